"""Détente's policy engine for Python.

Compile a policy once, then classify contacts, build the report, or diff
two policies over pandas or polars DataFrames, pyarrow Tables, or CSV and
JSON Lines files. The results are the command line's on the same data::

    import detente
    policy = detente.Policy.from_file("policies/acme.detente")
    frame = policy.classify(contacts_df, events_df, accounts_df)

See docs/python.md for the whole guide.
"""

from __future__ import annotations

import json
import os
import re
import warnings
from datetime import date, datetime
from typing import Any, Callable, Dict, Iterable, List, Optional, Set, Tuple, TypeVar, Union

from . import _detente, _frames
from ._errors import DataError, DetenteError, Diagnostic, PolicyError, UsageError, raised

__all__ = [
    "Policy",
    "DetenteError",
    "PolicyError",
    "DataError",
    "UsageError",
    "Diagnostic",
    "RejectedRowsWarning",
    "shard_of",
    "merge",
    "__version__",
]

__version__: str = _detente.__version__

#: A time argument: ISO 8601 text (a date alone means the whole day), or
#: a datetime or date (a datetime without a timezone is read in the
#: policy's timezone).
When = Union[str, datetime, date, None]


class RejectedRowsWarning(UserWarning):
    """Rows were rejected or set aside and the replay went on without
    them (``on_rejected="warn"``, or events of types the policy does not
    declare)."""


def _when(value: When, what: str) -> Optional[str]:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    raise UsageError(f"{what} should be a date, a datetime or ISO 8601 text, not {value!r}", "U001")


_T = TypeVar("_T")


def _call(native: Callable[..., _T], *args: Any) -> _T:
    """Calls the native part, raising its failure as the package's own
    exception."""
    try:
        return native(*args)
    except _detente.Failure as f:
        raise raised(f) from None


def _shard(shard: Union[str, Tuple[int, int], None]) -> Optional[str]:
    if shard is None or isinstance(shard, str):
        return shard
    if isinstance(shard, tuple) and len(shard) == 2:
        return f"{shard[0]}/{shard[1]}"
    raise UsageError(f"shard should be \"K/N\" or (K, N), not {shard!r}", "U007")


def shard_of(account: str, shards: int) -> int:
    """The shard, from 1 to ``shards``, that an account falls in (a
    contact or deal in no account: by its own id), as ``--shard K/N``
    and ``classify(shard=...)`` place it: the first eight bytes of the
    SHA-256 of the id, big-endian, modulo ``shards``, plus one."""
    try:
        return _detente.shard_of(account, shards)
    except _detente.Failure as f:
        raise raised(f) from None
    except OverflowError:
        raise UsageError(f"the number of shards must be between 1 and 4294967295, not {shards}", "U007") from None


def _span(as_of: When, from_: When, to: When, period: str, window_ms: Optional[int]) -> Dict[str, Any]:
    return {
        "as_of": _when(as_of, "as_of"),
        "from": _when(from_, "from_"),
        "to": _when(to, "to"),
        "period": period,
        "window_ms": window_ms,
    }


def merge(partials: Iterable[Union[bytes, str, "os.PathLike[str]"]]) -> Dict[str, Any]:
    """The report (or diff) of one run, from the partials of its parts:
    each the bytes ``report_partial``/``diff_partial`` returned, or the
    path of a file ``detente report --partial`` wrote. Raises
    ``DataError`` (M001-M006) when a partial cannot be read or the parts
    do not make a whole: a shard missing or given twice, parts made with
    other policies or times, a contact in two parts."""
    parts: List[bytes] = []
    for p in partials:
        if isinstance(p, (bytes, bytearray, memoryview)):
            parts.append(bytes(p))
        elif isinstance(p, (str, os.PathLike)):
            with open(p, "rb") as f:
                parts.append(f.read())
        else:
            raise UsageError(f"merge takes partials as bytes or file paths, not {type(p).__name__}", "U006")
    out: Dict[str, Any] = json.loads(_call(_detente.merge_raw, parts))
    return out


def _diff_checked(old_meta: str, new_meta: str, on_rejected: str) -> None:
    """Each side reads the rows through its own schema: a row either
    rejects counts, once."""
    seen: Set[Tuple[str, int, str, Optional[str]]] = set()
    problems: List[Dict[str, Any]] = []
    for p in json.loads(old_meta)["problems"] + json.loads(new_meta)["problems"]:
        key = (p["file"], p["line"], p["code"], p.get("column"))
        if key not in seen:
            seen.add(key)
            problems.append(p)
    _checked({"problems": problems}, on_rejected)


def _window_ms(window: Optional[str]) -> Optional[int]:
    if window is None:
        return None
    m = re.fullmatch(r"\s*(\d+)\s*([hdw])\s*", window)
    if not m:
        raise UsageError(f"window `{window}` is not a length such as 90d, 12w or 48h", "U005")
    hours = {"h": 1, "d": 24, "w": 24 * 7}[m.group(2)]
    return int(m.group(1)) * hours * 3_600_000


def _problem_text(p: Dict[str, Any]) -> str:
    column = f", column `{p['column']}`" if p.get("column") else ""
    where = f"row {p['row']}" if "row" in p else f"line {p['line']}"
    return f"{p['file']}, {where}{column}: {p['reason']} [{p['code']}]"


def _checked(meta: Dict[str, Any], on_rejected: str) -> Dict[str, Any]:
    """Gives each problem of a data frame its 0-based ``row``; raises
    ``DataError`` for rejected rows unless ``on_rejected="warn"``."""
    for p in meta["problems"]:
        if p["file"].endswith(" data frame") and p["line"] >= 1:
            p["row"] = p["line"] - 1
    errors = [p for p in meta["problems"] if p["severity"] == "error"]
    notes = [p for p in meta["problems"] if p["severity"] != "error"]
    shown = "\n".join("  " + _problem_text(p) for p in errors[:10])
    more = f"\n  ... and {len(errors) - 10} more (DataError.problems has them all)" if len(errors) > 10 else ""
    if errors and on_rejected == "raise":
        raise DataError(
            f"{len(errors)} row(s) rejected:\n{shown}{more}\n"
            "Fix the rows, or pass on_rejected=\"warn\" to replay without them.",
            errors[0]["code"],
            errors,
        )
    if errors:
        warnings.warn(
            f"{len(errors)} row(s) rejected and left out of the replay:\n{shown}{more}",
            RejectedRowsWarning,
            stacklevel=3,
        )
    if notes:
        warnings.warn(
            "\n".join(_problem_text(p) for p in notes[:10]),
            RejectedRowsWarning,
            stacklevel=3,
        )
    return meta


class Policy:
    """A compiled policy. Compile once; replay it any number of times,
    from any thread."""

    def __init__(self, native: _detente.Policy) -> None:
        self._native = native

    @classmethod
    def compile(cls, text: str, name: str = "policy.detente") -> "Policy":
        """Compiles policy text; ``name`` names it in messages. Raises
        ``PolicyError`` with every diagnostic when it does not compile."""
        return cls(_call(_detente.Policy.compile, text, name))

    @classmethod
    def from_file(cls, path: Union[str, "os.PathLike[str]"]) -> "Policy":
        """Reads and compiles a ``.detente`` file."""
        return cls(_call(_detente.Policy.from_file, path))

    @property
    def name(self) -> str:
        """The name the policy declares."""
        return self._native.name

    @property
    def version(self) -> Optional[int]:
        """The version the policy declares, if any."""
        return self._native.version

    @property
    def hash(self) -> str:
        """``sha256:`` of the source text: what a journey was computed with."""
        return self._native.hash

    @property
    def source(self) -> str:
        """The policy's text."""
        return self._native.source

    @property
    def warnings(self) -> List[Diagnostic]:
        """The warnings found while checking (the policy compiled)."""
        return [
            Diagnostic.from_json(json.loads(line))
            for line in self._native.warnings_json().splitlines()
        ]

    def columns(self, lifecycle: str = "contact") -> List[Tuple[str, str]]:
        """The columns ``classify`` returns for ``lifecycle``, each with
        what it holds: ``id``, ``stage``, ``time`` (a UTC timestamp),
        ``number`` (a score) or ``verdict`` (a criteria: a boolean, null
        when unknown). For declaring a schema ahead, as Spark's
        ``applyInPandas`` needs."""
        columns = json.loads(_call(self._native.columns_json, lifecycle))
        return [(c[0], c[1]) for c in columns]

    def __repr__(self) -> str:
        return f"<detente.Policy {self.name!r} {self.hash[:15]}>"

    def classify(
        self,
        contacts: Any = None,
        events: Any = None,
        accounts: Any = None,
        as_of: When = None,
        *,
        deals: Any = None,
        deal_contacts: Any = None,
        manifest: Optional[str] = None,
        lifecycle: str = "contact",
        journeys: bool = False,
        output: Optional[str] = None,
        on_rejected: str = "raise",
        shard: Union[str, Tuple[int, int], None] = None,
    ) -> Any:
        """Replays the histories and returns one row per contact (or
        account, or deal: ``lifecycle``): its ids, ``stage``, ``since``,
        ``highest``, each score and each criteria (true, false, or null
        for unknown), the columns of ``detente classify -o csv``.

        Each input is a DataFrame (pandas or polars), a pyarrow Table, a
        file path, or a list of them; a manifest (``detente.toml``) maps
        the export's columns and values, and gives the files of any kind
        left out. ``as_of`` defaults to the latest time in the data.
        ``output``: ``"pandas"``, ``"polars"`` or ``"arrow"`` (default:
        the kind of the first frame given, else pandas).
        ``journeys=True`` returns ``(frame, journeys)``, the journeys as
        ``detente classify -o json`` writes them, as Python objects.
        Rejected rows raise ``DataError`` (``on_rejected="warn"``: warn
        and replay without them). ``shard="K/N"`` (or ``(K, N)``) replays
        only the accounts of shard K of N (``shard_of``), as ``detente
        classify --shard K/N`` does."""
        data = self._data(contacts, events, accounts, deals, deal_contacts, manifest)
        csv, nested, meta_json = _call(
            self._native.classify_raw, data, _when(as_of, "as_of"), lifecycle, journeys, _shard(shard)
        )
        meta = _checked(json.loads(meta_json), on_rejected)
        table = _frames.journeys_table(csv, [(c[0], c[1]) for c in meta["columns"]])
        frame = _frames.as_frame(table, output or self._output(contacts, events, accounts))
        if journeys:
            return frame, json.loads(nested or "[]")
        return frame

    def report(
        self,
        contacts: Any = None,
        events: Any = None,
        accounts: Any = None,
        as_of: When = None,
        *,
        deals: Any = None,
        deal_contacts: Any = None,
        manifest: Optional[str] = None,
        from_: When = None,
        to: When = None,
        period: str = "quarter",
        window: Optional[str] = None,
        on_rejected: str = "raise",
    ) -> Dict[str, Any]:
        """The report of ``detente report -o json`` as Python objects
        (docs/reports.md): funnel, velocity, touchpoints, attribution,
        balance, drop-outs, SLAs, metrics, incentives, calibration.
        ``from_``/``to`` bound the figures, ``period`` is ``"month"``,
        ``"quarter"`` or ``"year"``, ``window`` (``"90d"``) counts a
        conversion only that soon after the first entry."""
        data = self._data(contacts, events, accounts, deals, deal_contacts, manifest)
        span = _span(as_of, from_, to, period, _window_ms(window))
        report, meta = _call(self._native.report_raw, data, span)
        _checked(json.loads(meta), on_rejected)
        out: Dict[str, Any] = json.loads(report)
        return out

    def diff(
        self,
        new: "Policy",
        contacts: Any = None,
        events: Any = None,
        accounts: Any = None,
        as_of: When = None,
        *,
        deals: Any = None,
        deal_contacts: Any = None,
        manifest: Optional[str] = None,
        from_: When = None,
        to: When = None,
        period: str = "quarter",
        on_rejected: str = "raise",
    ) -> Dict[str, Any]:
        """``detente diff`` of this policy (before) against ``new`` (after)
        on the same data, as Python objects (docs/diff.md): who changes
        stage, metric, incentive and SLA deltas, definitions changed."""
        if not isinstance(new, Policy):
            raise UsageError("diff takes the new policy, a detente.Policy", "U006")
        data = self._data(contacts, events, accounts, deals, deal_contacts, manifest)
        span = _span(as_of, from_, to, period, None)
        result, old_meta, new_meta = _call(self._native.diff_raw, new._native, data, span)
        _diff_checked(old_meta, new_meta, on_rejected)
        out: Dict[str, Any] = json.loads(result)
        return out

    def report_partial(
        self,
        contacts: Any = None,
        events: Any = None,
        accounts: Any = None,
        as_of: When = None,
        *,
        deals: Any = None,
        deal_contacts: Any = None,
        manifest: Optional[str] = None,
        from_: When = None,
        to: When = None,
        period: str = "quarter",
        window: Optional[str] = None,
        shard: Union[str, Tuple[int, int], None] = None,
        on_rejected: str = "raise",
    ) -> bytes:
        """The partial report of one part of the data: the bytes
        ``detente report --partial`` writes, which ``detente.merge`` (or
        ``detente merge`` on files) makes, with the other parts, into the
        report of one run (docs/python.md, "Partial reports").

        With ``shard="K/N"`` the data given is the whole, and only the
        accounts of shard K are replayed. Without it, the data given is
        this part's own rows (a Spark task's accounts, say): every
        account's rows must then be in one part only, and every part
        needs the same ``as_of``."""
        data = self._data(contacts, events, accounts, deals, deal_contacts, manifest)
        span = _span(as_of, from_, to, period, _window_ms(window))
        partial, meta = _call(self._native.report_partial_raw, data, span, _shard(shard))
        _checked(json.loads(meta), on_rejected)
        return partial

    def diff_partial(
        self,
        new: "Policy",
        contacts: Any = None,
        events: Any = None,
        accounts: Any = None,
        as_of: When = None,
        *,
        deals: Any = None,
        deal_contacts: Any = None,
        manifest: Optional[str] = None,
        from_: When = None,
        to: When = None,
        period: str = "quarter",
        shard: Union[str, Tuple[int, int], None] = None,
        on_rejected: str = "raise",
    ) -> bytes:
        """The partial diff of this policy (before) against ``new`` on one
        part of the data, as ``detente diff --partial`` writes it; the
        parts are merged as :meth:`report_partial`'s are."""
        if not isinstance(new, Policy):
            raise UsageError("diff_partial takes the new policy, a detente.Policy", "U006")
        data = self._data(contacts, events, accounts, deals, deal_contacts, manifest)
        span = _span(as_of, from_, to, period, None)
        partial, old_meta, new_meta = _call(
            self._native.diff_partial_raw, new._native, data, span, _shard(shard)
        )
        _diff_checked(old_meta, new_meta, on_rejected)
        return partial

    @staticmethod
    def _data(contacts: Any, events: Any, accounts: Any, deals: Any, deal_contacts: Any, manifest: Optional[str]) -> Dict[str, Any]:
        return {
            "contacts": _frames.inputs(contacts, "contacts"),
            "accounts": _frames.inputs(accounts, "accounts"),
            "events": _frames.inputs(events, "events"),
            "deals": _frames.inputs(deals, "deals"),
            "deal_contacts": _frames.inputs(deal_contacts, "deal_contacts"),
            "manifest": None if manifest is None else str(manifest),
        }

    @staticmethod
    def _output(*frames: Any) -> str:
        for f in frames:
            for one in f if isinstance(f, (list, tuple)) else [f]:
                if one is not None and _frames.kind_of(one) != "path":
                    return _frames.kind_of(one)
        return "pandas"

