"""The Spark example in local mode (local[2]) gives the journeys and
the report the CLI gives on the example data. CI runs it (pyspark from the Python
registry, OpenJDK 17 from the machine image)."""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

import classify_spark  # noqa: E402
import detente  # noqa: E402


def cli(args):
    binary = Path(os.environ.get("DETENTE_BIN", ROOT / "target" / "debug" / "detente"))
    if not binary.exists():
        pytest.fail(f"the detente command is not built at {binary}: run `cargo build` or set DETENTE_BIN")
    out = subprocess.run([str(binary), *args], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out.stdout


def cell(v, kind: str) -> str:
    """A value of Spark's result, of the policy's column `kind`, as the
    CLI's CSV writes it."""
    missing = v is None or (isinstance(v, float) and v != v)
    if kind == "verdict":
        return "unknown" if missing else ("true" if v else "false")
    if missing:
        return ""
    if kind == "time":
        return v.strftime("%Y-%m-%dT%H:%M:%SZ")
    if kind == "number":
        return str(int(v)) if float(v).is_integer() else repr(float(v))
    return str(v)


def test_spark_gives_the_cli_journeys(tmp_path: Path) -> None:
    from pyspark.sql import SparkSession

    # The workers run this Python, which has the packages installed.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)

    # The time the CLI replays to by default: the latest in the data.
    as_of = json.loads(cli(["classify", "-o", "json"]))["as_of"]
    expected = pd.read_csv(
        io.StringIO(cli(["classify", "-o", "csv", "--as-of", as_of])), dtype=str, keep_default_na=False
    )
    spark = (
        SparkSession.builder.master("local[2]")
        .appName("detente-test")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )
    # The workers import this module by name (what the jobs' functions
    # refer to), as a cluster does with `spark-submit --py-files`.
    spark.sparkContext.addPyFile(str(HERE / "classify_spark.py"))
    try:
        data = ROOT / "examples" / "data"
        args = argparse.Namespace(
            policy=str(ROOT / "policies" / "acme.detente"),
            contacts=str(data / "contacts.csv"),
            accounts=str(data / "accounts.csv"),
            events=str(data / "events.jsonl.gz"),
            manifest=str(ROOT / "detente.toml"),
            as_of=as_of,
        )
        got = classify_spark.run(spark, args).toPandas()
        args.parts = 3
        got_report = classify_spark.report(spark, args)
    finally:
        spark.stop()
    got = got.sort_values("contact").reset_index(drop=True)
    assert list(got.columns) == list(expected.columns)
    assert len(got) == len(expected) == 2674
    kinds = dict(detente.Policy.from_file(ROOT / "policies" / "acme.detente").columns())
    text = pd.DataFrame({c: [cell(v, kinds[c]) for v in got[c]] for c in got.columns})
    pd.testing.assert_frame_equal(text, expected, check_dtype=False)
    # The report: three parts' partials merged on the driver.
    assert got_report == json.loads(cli(["report", "-o", "json", "--as-of", as_of]))
