"""classify on the example data equals `detente classify` on the same
files, whatever form the data comes in: files, pandas, polars or Arrow."""

from __future__ import annotations

import io
import json

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import detente
from conftest import DATA, MANIFEST, POLICY, cli, cli_json


@pytest.fixture(scope="module")
def policy() -> detente.Policy:
    return detente.Policy.from_file(POLICY)


@pytest.fixture(scope="module")
def frames():
    """The example data as a data team would load it with pandas."""
    return (
        pd.read_csv(DATA / "contacts.csv"),
        pd.read_json(DATA / "events.jsonl.gz", lines=True),
        pd.read_csv(DATA / "accounts.csv"),
    )


def expected_rows(lifecycle: str = "contact") -> pd.DataFrame:
    """The CLI's CSV, read by pandas on its own."""
    return pd.read_csv(io.StringIO(cli(["classify", "-o", "csv", "--lifecycle", lifecycle])), dtype=str, keep_default_na=False)


def as_cli_text(frame: pd.DataFrame) -> pd.DataFrame:
    """A result frame's cells written as the CLI writes them."""
    out = {}
    for col in frame.columns:
        s = frame[col]
        if col == "since":
            s = s.dt.strftime("%Y-%m-%dT%H:%M:%SZ")
        elif str(s.dtype) == "boolean":
            s = s.map({True: "true", False: "false"}).astype(object).where(s.notna(), "unknown")
        elif str(s.dtype) == "float64":
            s = s.map(lambda v: "" if pd.isna(v) else (str(int(v)) if float(v).is_integer() else repr(float(v))))
        s = s.astype(object).where(s.notna(), "")
        out[col] = s.astype(str).tolist()
    return pd.DataFrame(out)


def assert_same_as_cli(frame: pd.DataFrame, lifecycle: str = "contact") -> None:
    expected = expected_rows(lifecycle)
    assert list(frame.columns) == list(expected.columns)
    pd.testing.assert_frame_equal(as_cli_text(frame).reset_index(drop=True), expected, check_dtype=False)


def test_files_by_path_equal_the_cli(policy: detente.Policy) -> None:
    frame = policy.classify(manifest=MANIFEST)
    assert len(frame) == 2674
    assert_same_as_cli(frame)


def test_pandas_frames_equal_the_cli(policy: detente.Policy, frames) -> None:
    contacts, events, accounts = frames
    frame = policy.classify(contacts, events, accounts, manifest=MANIFEST)
    assert isinstance(frame, pd.DataFrame)
    assert str(frame["since"].dtype) == "datetime64[ms, UTC]"
    assert str(frame["mql"].dtype) == "boolean"
    assert_same_as_cli(frame)


def test_polars_frames_equal_the_cli(policy: detente.Policy, frames) -> None:
    contacts, events, accounts = (pl.from_pandas(f) for f in frames)
    frame = policy.classify(contacts, events, accounts, manifest=MANIFEST)
    assert isinstance(frame, pl.DataFrame)
    assert_same_as_cli(frame.to_pandas(use_pyarrow_extension_array=False).astype({c: "boolean" for c, t in frame.schema.items() if t == pl.Boolean}))


def test_arrow_tables_and_timestamps_equal_the_cli(policy: detente.Policy, frames) -> None:
    contacts, events, accounts = frames
    # Events keep their text: close dates are written as dates, which the
    # manifest reads as the end of their day.
    contacts = contacts.assign(created_at=pd.to_datetime(contacts["created_at"], utc=True))
    tables = [pa.Table.from_pandas(f, preserve_index=False) for f in (contacts, events, accounts)]
    assert tables[0].schema.field("created_at").type.tz == "UTC"
    frame = policy.classify(*tables, manifest=MANIFEST)
    assert isinstance(frame, pa.Table)
    assert_same_as_cli(frame.to_pandas(types_mapper={pa.bool_(): pd.BooleanDtype()}.get))


def test_accounts_and_the_nested_journeys_equal_the_cli(policy: detente.Policy, frames) -> None:
    contacts, events, accounts = frames
    frame = policy.classify(contacts, events, accounts, manifest=MANIFEST, lifecycle="account")
    assert_same_as_cli(frame, "account")
    _, journeys = policy.classify(contacts, events, accounts, manifest=MANIFEST, journeys=True)
    assert journeys == cli_json(["classify", "-o", "json"])["journeys"]


def test_as_of_takes_a_date(policy: detente.Policy, frames) -> None:
    import datetime

    contacts, events, accounts = frames
    frame = policy.classify(contacts, events, accounts, as_of=datetime.date(2026, 9, 30), manifest=MANIFEST)
    expected = pd.read_csv(io.StringIO(cli(["classify", "-o", "csv", "--as-of", "2026-09-30"])), dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(as_cli_text(frame), expected, check_dtype=False)


def test_parquet_files_and_a_partitioned_folder_equal_the_cli(policy: detente.Policy, frames, tmp_path) -> None:
    import pyarrow.parquet as pq

    contacts, events, accounts = frames
    pq.write_table(pa.Table.from_pandas(contacts, preserve_index=False), tmp_path / "contacts.parquet")
    pq.write_table(pa.Table.from_pandas(accounts, preserve_index=False), tmp_path / "accounts.parquet")
    pq.write_to_dataset(pa.Table.from_pandas(events, preserve_index=False), tmp_path / "events", partition_cols=["type"])
    frame = policy.classify(
        tmp_path / "contacts.parquet", tmp_path / "events", tmp_path / "accounts.parquet", manifest=MANIFEST
    )
    assert_same_as_cli(frame)


def test_a_file_that_is_not_parquet_is_d002(policy: detente.Policy, tmp_path) -> None:
    fake = tmp_path / "events.parquet"
    fake.write_text("id,contact,at\n")
    with pytest.raises(detente.DataError) as e:
        policy.classify(events=fake)
    assert e.value.code == "D002"
    assert "not a Parquet file" in str(e.value)
