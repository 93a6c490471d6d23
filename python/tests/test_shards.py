"""Shards: every contact is in exactly one shard, the shards together
are the whole run, and the placement is the documented hash."""

from __future__ import annotations

import hashlib
import io
import random

import pandas as pd
import pytest

import detente
from conftest import DATA, MANIFEST, POLICY, cli


def documented(account: str, n: int) -> int:
    return int.from_bytes(hashlib.sha256(account.encode("utf-8")).digest()[:8], "big") % n + 1


def test_shard_of_is_the_documented_hash() -> None:
    rng = random.Random(7)
    for _ in range(500):
        account = "".join(rng.choice("abcé-0123456789") for _ in range(rng.randint(0, 12)))
        n = rng.randint(1, 50)
        assert detente.shard_of(account, n) == documented(account, n)


@pytest.mark.parametrize("n", [1, 2, 5])
def test_the_shards_together_are_the_whole_run(n: int) -> None:
    policy = detente.Policy.from_file(POLICY)
    whole = policy.classify(manifest=MANIFEST)
    parts = [policy.classify(manifest=MANIFEST, shard=(k, n)) for k in range(1, n + 1)]
    for k, part in enumerate(parts, start=1):
        accounts = part["account"].fillna(part["contact"])
        assert all(documented(a, n) == k for a in accounts)
    together = pd.concat(parts).sort_values("contact").reset_index(drop=True)
    pd.testing.assert_frame_equal(together, whole.reset_index(drop=True))


def test_a_shard_equals_the_cli_shard() -> None:
    policy = detente.Policy.from_file(POLICY)
    frame = policy.classify(manifest=MANIFEST, shard="2/3")
    expected = pd.read_csv(io.StringIO(cli(["classify", "-o", "csv", "--shard", "2/3"])), dtype=str, keep_default_na=False)
    assert frame["contact"].tolist() == expected["contact"].tolist()
    assert frame["stage"].tolist() == expected["stage"].tolist()


@pytest.mark.parametrize("spec", ["3/2", "0/2", "1/0", "half", (3, 2)])
def test_a_bad_shard_is_a_usage_error(spec) -> None:
    policy = detente.Policy.from_file(POLICY)
    with pytest.raises(detente.UsageError) as e:
        policy.classify(manifest=MANIFEST, shard=spec)
    assert e.value.code == "U007"
    assert "K/N" in str(e.value) or "between 1 and" in str(e.value)


def test_the_sql_of_docs_data_md_places_accounts_as_shard_of() -> None:
    """docs/data.md gives the placement in SQL, for a warehouse to split
    its export by shard; DuckDB runs it here on the example accounts."""
    import duckdb

    accounts = pd.read_csv(DATA / "accounts.csv")["id"].tolist()
    con = duckdb.connect()
    con.execute("create table a(account varchar)")
    con.executemany("insert into a values (?)", [[a] for a in accounts])
    rows = con.execute(
        "select account, (('0x' || left(sha256(account), 16))::UBIGINT % 8) + 1 from a"
    ).fetchall()
    assert len(rows) == len(accounts) > 400
    assert all(s == detente.shard_of(a, 8) for a, s in rows)
