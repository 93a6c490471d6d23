#!/usr/bin/env python3
"""Classifies contact histories with a Détente policy on Spark.

The same code runs in local mode (``--master local[2]``, what CI runs)
and on a cluster (Databricks, EMR, any Spark 4 with Python): every row of
the three inputs is tagged with its account, the rows are grouped by
account (``groupBy(...).applyInPandas``), and each account is classified
on a worker by the ``detente`` Python package, so every buying group is
replayed whole. The journeys come out as one Spark DataFrame with the
columns of ``detente classify -o csv``, written as Parquet.

    spark-submit examples/spark/classify_spark.py \\
        --policy policies/acme.detente --manifest detente.toml \\
        --contacts examples/data/contacts.csv --accounts examples/data/accounts.csv \\
        --events examples/data/events.jsonl.gz --as-of 2026-10-31T23:59:59Z \\
        --out /tmp/journeys

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
        rows = rows.sort_values(["kind", "seq"])
        frames: Dict[str, Any] = {}
        for kind in ("contacts", "accounts", "events"):
            mine = rows[rows["kind"] == kind]["row"]
            records: List[Dict[str, Any]] = [json.loads(r) for r in mine]
            frames[kind] = pd.DataFrame.from_records(records) if records else None
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
    spark.stop()


if __name__ == "__main__":
    main()
