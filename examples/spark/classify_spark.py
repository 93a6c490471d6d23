#!/usr/bin/env python3
"""Classifies contact histories with a Détente policy on Spark, and
builds the report.

The same code runs in local mode (``--master local[2]``, what CI runs)
and on a cluster (Databricks, EMR, any Spark 4 with Python): every row of
the three inputs is tagged with its account, the rows are grouped by
account (``groupBy(...).applyInPandas``), and each account is classified
on a worker by the ``detente`` Python package, so every buying group is
replayed whole. The journeys come out as one Spark DataFrame with the
columns of ``detente classify -o csv``, written as Parquet.

With ``--report FILE``, the accounts are also put in ``--parts`` parts
by the documented shard hash; each part's rows are replayed on a worker
into a partial report (``Policy.report_partial``), and the driver merges
the partials (``detente.merge``) into the report of one run, written as
``detente report -o json`` writes it.

    spark-submit examples/spark/classify_spark.py \\
        --policy policies/acme.detente --manifest detente.toml \\
        --contacts examples/data/contacts.csv --accounts examples/data/accounts.csv \\
        --events examples/data/events.jsonl.gz --as-of 2026-10-31T23:59:59Z \\
        --out /tmp/journeys --report /tmp/report.json

See README.md beside this file for what it assumes of the data.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any, Dict, Iterator, List, Optional

import pandas as pd
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

import detente

# Each worker compiles the policy once, the first time it meets a group.
_POLICIES: Dict[str, detente.Policy] = {}


def _policy(text: str) -> detente.Policy:
    if text not in _POLICIES:
        _POLICIES[text] = detente.Policy.compile(text)
    return _POLICIES[text]


SPARK_TYPES = {
    "id": T.StringType(),
    "stage": T.StringType(),
    "time": T.TimestampType(),
    "number": T.DoubleType(),
    "verdict": T.BooleanType(),
}


def journey_schema(policy: detente.Policy) -> T.StructType:
    """The journeys' Spark schema, from the policy's columns."""
    return T.StructType(
        [T.StructField(name, SPARK_TYPES[kind], True) for name, kind in policy.columns()]
    )


def tagged_rows(spark: SparkSession, contacts: str, accounts: Optional[str], events: str) -> DataFrame:
    """Every input row as (group, kind, seq, row): its account (a contact
    in no account: its own id), which input it is, its place in that
    input, and the row as JSON text. Contacts and accounts are CSV read
    as text; events are JSON Lines, kept as written."""
    c = spark.read.csv(contacts, header=True, inferSchema=False)
    c = c.withColumn("seq", F.monotonically_increasing_id())
    place = c.select(F.col("id").alias("_contact"), F.coalesce(F.col("account"), F.col("id")).alias("group"))
    parts = [
        c.select(
            F.coalesce(F.col("account"), F.col("id")).alias("group"),
            F.lit("contacts").alias("kind"),
            "seq",
            F.to_json(F.struct(*[F.col(f"`{n}`") for n in c.columns if n != "seq"])).alias("row"),
        )
    ]
    if accounts:
        a = spark.read.csv(accounts, header=True, inferSchema=False)
        a = a.withColumn("seq", F.monotonically_increasing_id())
        parts.append(
            a.select(
                F.col("id").alias("group"),
                F.lit("accounts").alias("kind"),
                "seq",
                F.to_json(F.struct(*[F.col(f"`{n}`") for n in a.columns if n != "seq"])).alias("row"),
            )
        )
    e = spark.read.text(events).withColumn("seq", F.monotonically_increasing_id())
    e = e.where(F.length(F.trim("value")) > 0)
    e = e.withColumn("_contact", F.get_json_object("value", "$.contact"))
    e = e.join(place, on="_contact", how="left")
    parts.append(
        e.select(
            F.coalesce(F.col("group"), F.col("_contact")).alias("group"),
            F.lit("events").alias("kind"),
            "seq",
            F.col("value").alias("row"),
        )
    )
    out = parts[0]
    for p in parts[1:]:
        out = out.unionByName(p)
    return out


def classify_groups(policy_text: str, as_of: str, manifest: Optional[str]):
    """The function each group of rows goes through on a worker."""

    def classify(rows: pd.DataFrame) -> pd.DataFrame:
        frames = frames_of(rows)
        policy = _policy(policy_text)
        return policy.classify(
            frames["contacts"],
            frames["events"],
            frames["accounts"],
            as_of=as_of,
            manifest=manifest,
            output="pandas",
        )

    return classify


def frames_of(rows: pd.DataFrame) -> Dict[str, Any]:
    """One group's rows as the three inputs' frames, each in its input's
    order."""
    rows = rows.sort_values(["kind", "seq"])
    frames: Dict[str, Any] = {}
    for kind in ("contacts", "accounts", "events"):
        records: List[Dict[str, Any]] = [json.loads(r) for r in rows[rows["kind"] == kind]["row"]]
        frames[kind] = pd.DataFrame.from_records(records) if records else None
    return frames


def partial_of_parts(policy_text: str, as_of: str, manifest: Optional[str]):
    """The function each part's rows go through on a worker: one row, the
    part's partial report."""

    def partial(rows: pd.DataFrame) -> pd.DataFrame:
        frames = frames_of(rows)
        part = _policy(policy_text).report_partial(
            frames["contacts"], frames["events"], frames["accounts"], as_of=as_of, manifest=manifest
        )
        return pd.DataFrame({"partial": [part]})

    return partial


def report(spark: SparkSession, args: argparse.Namespace) -> Dict[str, Any]:
    """The report of the whole history: a partial per part on the
    workers, merged on the driver (a partial holds what the report reads
    of each journey, not the rows)."""
    with open(args.policy, encoding="utf-8") as f:
        text = f.read()
    parts = int(getattr(args, "parts", None) or 8)
    shard = F.udf(lambda group: detente.shard_of(group, parts), T.IntegerType())
    rows = tagged_rows(spark, args.contacts, args.accounts, args.events).withColumn("part", shard("group"))
    partials = rows.groupBy("part").applyInPandas(
        partial_of_parts(text, args.as_of, args.manifest),
        schema=T.StructType([T.StructField("partial", T.BinaryType(), False)]),
    )
    return detente.merge([bytes(r["partial"]) for r in partials.collect()])


def run(spark: SparkSession, args: argparse.Namespace) -> DataFrame:
    with open(args.policy, encoding="utf-8") as f:
        text = f.read()
    policy = detente.Policy.compile(text, name=args.policy)
    rows = tagged_rows(spark, args.contacts, args.accounts, args.events)
    journeys = rows.groupBy("group").applyInPandas(
        classify_groups(text, args.as_of, args.manifest), schema=journey_schema(policy)
    )
    return journeys


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--policy", required=True)
    parser.add_argument("--contacts", required=True, help="contacts CSV (a file or a folder of them)")
    parser.add_argument("--accounts", help="accounts CSV")
    parser.add_argument("--events", required=True, help="events JSON Lines (.gz too)")
    parser.add_argument("--manifest", help="a detente.toml whose [data] settings map the columns and values")
    parser.add_argument(
        "--as-of",
        required=True,
        help="replay every account up to this time (each worker sees one account, so the default, "
        "the latest time in the data, cannot be found there)",
    )
    parser.add_argument("--out", required=True, help="folder to write the journeys to, as Parquet")
    parser.add_argument("--report", help="also write the report, as detente report -o json writes it, to this file")
    parser.add_argument(
        "--parts", type=int, default=8, help="with --report: the parts the accounts are replayed in (one task each)"
    )
    parser.add_argument("--master", help="e.g. local[2]; leave out under spark-submit")
    args = parser.parse_args(argv)
    builder = SparkSession.builder.appName("detente-classify")
    if args.master:
        builder = builder.master(args.master)
        # Local workers run this Python, where the packages are.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    spark = builder.getOrCreate()
    journeys = run(spark, args)
    journeys.orderBy("contact").write.mode("overwrite").parquet(args.out)
    if args.report:
        with open(args.report, "w", encoding="utf-8") as f:
            json.dump(report(spark, args), f, indent=2, ensure_ascii=False)
            f.write("\n")
    spark.stop()


if __name__ == "__main__":
    main()
