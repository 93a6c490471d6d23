"""The package's exceptions: each carries the stable code of
docs/diagnostics.md and the details a program needs, and its message is
the plain-English text the command line prints."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

from . import _detente


@dataclass(frozen=True)
class Diagnostic:
    """One problem in a policy's text: where it is and how to fix it."""

    code: str
    severity: str
    message: str
    line: int
    column: int
    end_line: int
    end_column: int
    help: Optional[str]
    file: str

    @staticmethod
    def from_json(d: Dict[str, Any]) -> "Diagnostic":
        return Diagnostic(
            code=d["code"],
            severity=d["severity"],
            message=d["message"],
            line=d["line"],
            column=d["column"],
            end_line=d["end_line"],
            end_column=d["end_column"],
            help=d.get("help"),
            file=d["file"],
        )


class DetenteError(Exception):
    """Anything the engine refused. ``code`` is its stable code."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


class PolicyError(DetenteError):
    """The policy does not compile. ``diagnostics`` lists every problem
    with its code, line, column, message and help."""

    def __init__(self, message: str, code: str, diagnostics: List[Diagnostic]) -> None:
        super().__init__(message, code)
        self.diagnostics = diagnostics


class DataError(DetenteError):
    """The data cannot be used: a file that cannot be read, a data frame
    column of a type the engine cannot read (D007), or rows rejected
    (``problems``: each with its code, file, line, row, column and
    reason)."""

    def __init__(
        self, message: str, code: str, problems: Optional[List[Dict[str, Any]]] = None
    ) -> None:
        super().__init__(message, code)
        self.problems = problems or []


class UsageError(DetenteError, ValueError):
    """An argument is wrong: a time that cannot be read, an unknown
    period or lifecycle, ``from_`` after ``to``."""


def raised(failure: _detente.Failure) -> DetenteError:
    """The package's exception for the native module's ``Failure``."""
    kind, code, message, details = failure.args
    details = json.loads(details)
    if kind == "policy":
        return PolicyError(message, code, [Diagnostic.from_json(d) for d in details])
    if kind == "data":
        return DataError(message, code)
    return UsageError(message, code)
