"""The warehouse recipe of docs/data.md, on DuckDB: the history lives in
warehouse tables; an export of the events sorted by account lets
`detente classify --stream` replay it a batch of accounts at a time, and
gives the journeys the original files give."""

from __future__ import annotations

import io

import pandas as pd

from conftest import DATA, ROOT, cli


def test_a_duckdb_export_sorted_by_account_streams_to_the_same_journeys(tmp_path) -> None:
    import duckdb

    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    # The warehouse: three tables, loaded from the example files.
    con.execute(f"create table contacts as select * from read_csv('{DATA / 'contacts.csv'}', all_varchar = true)")
    con.execute(f"create table accounts as select * from read_csv('{DATA / 'accounts.csv'}', all_varchar = true)")
    con.execute(
        f"create table events as select * from read_json('{DATA / 'events.jsonl.gz'}', format = 'newline_delimited', records = true, union_by_name = true)"
    )
    # The recipe: contacts and accounts as they are, events with their
    # contact's account, sorted by it (a contact in no account by its
    # own id), in the order they were loaded within each account.
    out = tmp_path
    con.execute(f"copy contacts to '{out / 'contacts.csv'}' (header)")
    con.execute(f"copy accounts to '{out / 'accounts.csv'}' (header)")
    con.execute(
        f"""
        copy (
          select e.* exclude (seq)
          from (select *, row_number() over () as seq from events) e
          left join contacts c on c.id = e.contact
          order by coalesce(c.account, e.contact), seq
        ) to '{out / 'events.jsonl'}' (format json)
        """
    )
    # A manifest for the export, with the example's own rule: close
    # dates are dates, read as the end of their day.
    (out / "detente.toml").write_text(
        f"""
[policy]
path = "{ROOT / 'policies' / 'acme.detente'}"

[data]
contacts = "contacts.csv"
accounts = "accounts.csv"
events = "events.jsonl"

[data.date_only]
deal_won = "end"
deal_lost = "end"
""",
        encoding="utf-8",
    )
    args = ["classify", "-o", "csv", "--as-of", "2026-10-31"]
    streamed = cli(args + ["--stream", "--batch-events", "2000", "--manifest", str(out / "detente.toml")])
    whole = cli(args)
    sort = lambda text: pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False).sort_values("contact").reset_index(drop=True)
    pd.testing.assert_frame_equal(sort(streamed), sort(whole))
