"""Compiling policies: the diagnostics a PolicyError carries are the
ones `detente check --format json` prints."""

from __future__ import annotations

import json

import pytest

import detente
from conftest import POLICY, ROOT, cli

BROKEN = ROOT / "tests" / "fixtures" / "check" / "E001-decay-without-half-life.detente"


def test_from_file_compiles_the_shipped_policy() -> None:
    p = detente.Policy.from_file(POLICY)
    assert p.name == "Acme B2B revenue policy"
    assert p.hash.startswith("sha256:")
    assert p.source == POLICY.read_text(encoding="utf-8")
    assert p.warnings == []


def test_a_policy_with_errors_raises_its_diagnostics() -> None:
    with pytest.raises(detente.PolicyError) as e:
        detente.Policy.from_file(BROKEN)
    expected = [json.loads(l) for l in cli(["check", "--format", "json", str(BROKEN.relative_to(ROOT))], exits=(1,)).splitlines()]
    got = e.value.diagnostics
    assert [(d.code, d.line, d.column, d.message, d.help) for d in got] == [
        (x["code"], x["line"], x["column"], x["message"], x["help"]) for x in expected
    ]
    assert e.value.code == "E001"
    assert "half_life" in str(e.value)


def test_compile_names_the_text_in_messages() -> None:
    with pytest.raises(detente.PolicyError) as e:
        detente.Policy.compile("policy \"x\" {\n  nonsense\n}\n", name="mine.detente")
    assert e.value.diagnostics[0].file == "mine.detente"
    assert e.value.diagnostics[0].line >= 1


def test_a_missing_file_is_a_data_error() -> None:
    with pytest.raises(detente.DataError) as e:
        detente.Policy.from_file(ROOT / "no-such.detente")
    assert e.value.code == "D002"
