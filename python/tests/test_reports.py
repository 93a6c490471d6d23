"""report and diff equal `detente report -o json` and `detente diff -o
json` on the example data."""

from __future__ import annotations

import pandas as pd

import detente
from conftest import DATA, MANIFEST, POLICY, cli_json


def test_report_equals_the_cli() -> None:
    policy = detente.Policy.from_file(POLICY)
    events = pd.read_json(DATA / "events.jsonl.gz", lines=True)
    report = policy.report(events=events, manifest=MANIFEST, period="month")
    assert report == cli_json(["report", "-o", "json", "--period", "month"])


def test_diff_equals_the_cli(tmp_path) -> None:
    text = POLICY.read_text(encoding="utf-8")
    assert "fit >= 30" in text
    changed = tmp_path / "acme-fit-35.detente"
    changed.write_text(text.replace("fit >= 30", "fit >= 35"), encoding="utf-8")
    old = detente.Policy.from_file(POLICY)
    new = detente.Policy.from_file(changed)
    result = old.diff(new, manifest=MANIFEST)
    expected = cli_json(["diff", str(POLICY), str(changed), "-o", "json"])
    assert result == expected
    assert result["contacts"]["changed"] > 0
