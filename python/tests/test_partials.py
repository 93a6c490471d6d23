"""Partial reports: the parts of the data replayed apart (shards of the
whole, or each part given only its own rows, as Spark tasks are) and
merged give the report and the diff of one run; parts that do not make a
whole are refused with their code."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import List

import pandas as pd
import pytest

import detente
from conftest import DATA, MANIFEST, POLICY, ROOT, cli_json, cli_path

AS_OF = "2026-11-01T00:00:00Z"


# `report` and `diff` equal the command line's (test_reports.py); the
# merged parts are compared with them, so that only one test here runs
# the (debug-built, slower) command line.


def test_shards_merged_in_any_order_are_the_report() -> None:
    policy = detente.Policy.from_file(POLICY)
    parts = [policy.report_partial(manifest=MANIFEST, shard=f"{k}/3", period="month") for k in (1, 2, 3)]
    merged = detente.merge([parts[2], parts[0], parts[1]])
    assert merged == policy.report(manifest=MANIFEST, period="month")


def test_parts_given_only_their_own_rows_merge_into_the_report() -> None:
    """The Spark way: each part holds the rows of its accounts only."""
    policy = detente.Policy.from_file(POLICY)
    contacts = pd.read_csv(DATA / "contacts.csv", dtype=str, keep_default_na=False)
    accounts = pd.read_csv(DATA / "accounts.csv", dtype=str, keep_default_na=False)
    events = pd.read_json(DATA / "events.jsonl.gz", lines=True, dtype=False)
    # A contact's group: its account, else itself (no example event
    # names another account or merges across accounts).
    group = {c: a or c for c, a in zip(contacts["id"], contacts["account"])}
    n = 3

    def shard(contact: str) -> int:
        return detente.shard_of(group.get(contact, contact), n)

    parts: List[bytes] = []
    for k in range(1, n + 1):
        parts.append(
            policy.report_partial(
                contacts=contacts[contacts["id"].map(shard) == k],
                accounts=accounts[accounts["id"].map(lambda a: detente.shard_of(a, n)) == k],
                events=events[events["contact"].map(shard) == k],
                as_of=AS_OF,
            )
        )
    assert sum(len(p) > 0 for p in parts) == n
    whole = policy.report(contacts=contacts, accounts=accounts, events=events, as_of=AS_OF)
    assert detente.merge(parts) == whole


def test_diff_shards_merged_are_the_diff(tmp_path: Path) -> None:
    changed = tmp_path / "acme-fit-35.detente"
    changed.write_text(POLICY.read_text(encoding="utf-8").replace("fit >= 30", "fit >= 35"), encoding="utf-8")
    old = detente.Policy.from_file(POLICY)
    new = detente.Policy.from_file(changed)
    parts = [old.diff_partial(new, manifest=MANIFEST, shard=(k, 2)) for k in (1, 2)]
    assert detente.merge(parts) == old.diff(new, manifest=MANIFEST)


def test_a_partial_file_of_the_command_line_merges_with_pythons(tmp_path: Path) -> None:
    path = tmp_path / "part-1"
    subprocess.run(
        [str(cli_path()), "report", "--shard", "1/2", "--partial", str(path)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    policy = detente.Policy.from_file(POLICY)
    second = policy.report_partial(manifest=MANIFEST, shard="2/2")
    assert detente.merge([second, path]) == cli_json(["report", "-o", "json"])


def test_parts_that_do_not_make_a_whole_are_refused() -> None:
    policy = detente.Policy.from_file(POLICY)
    one = policy.report_partial(manifest=MANIFEST, shard="1/2")
    with pytest.raises(detente.DataError) as missing:
        detente.merge([one])
    assert missing.value.code == "M005"
    whole = policy.report_partial(manifest=MANIFEST)
    with pytest.raises(detente.DataError) as twice:
        detente.merge([whole, whole])
    assert twice.value.code == "M006"
    with pytest.raises(detente.DataError) as garbage:
        detente.merge([b"id,at\n"])
    assert garbage.value.code == "M001"
    with pytest.raises(detente.DataError) as cut:
        detente.merge([one[: len(one) // 2]])
    assert cut.value.code == "M003"
    with pytest.raises(detente.UsageError):
        detente.merge([42])  # type: ignore[list-item]
