#!/usr/bin/env python3
"""Classify the example data through the Détente HTTP API.

Standard library only, through the detente_client package beside it
(`pip install examples/clients/python`, or run from the checkout). Reads the shipped example data (examples/data:
contacts.csv, accounts.csv, events.jsonl.gz), sends each account's contacts
with their events to POST /v1/classify (one request per account, so the
buying-group rules see the whole group), and prints how many contacts are
in each stage.

    detente serve &                     # in the project folder
    python3 examples/clients/python/classify.py [--url http://127.0.0.1:8080] [--token-file F]
"""

import argparse
import collections
import csv
import gzip
import json
import os
import sys
import urllib.error

HERE = os.path.dirname(os.path.abspath(__file__))
# Runs from a checkout without installing the package beside it.
sys.path.insert(0, HERE)
from detente_client import ApiError, Client  # noqa: E402
DATA = os.path.normpath(os.path.join(HERE, "..", "..", "data"))


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        # Empty cells are missing values, as in a file read by detente.
        return [{k: v for k, v in row.items() if v != ""} for row in csv.DictReader(f)]


def read_events(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8080")
    parser.add_argument("--data", default=DATA, help="folder with contacts.csv, accounts.csv, events.jsonl(.gz)")
    parser.add_argument("--token-file", help="the file given to detente serve --token-file")
    parser.add_argument("--as-of", help="replay up to this time (default: each request's latest event)")
    args = parser.parse_args()
    token = open(args.token_file, encoding="utf-8").read().strip() if args.token_file else None

    contacts = read_csv(os.path.join(args.data, "contacts.csv"))
    accounts = {a["id"]: a for a in read_csv(os.path.join(args.data, "accounts.csv"))}
    events_path = os.path.join(args.data, "events.jsonl.gz")
    if not os.path.exists(events_path):
        events_path = os.path.join(args.data, "events.jsonl")
    events = collections.defaultdict(list)
    for e in read_events(events_path):
        contact = e.pop("contact")
        events[contact].append(e)

    groups = collections.defaultdict(list)
    for c in contacts:
        c["events"] = events.pop(c["id"], [])
        groups[c.get("account") or ("solo:" + c["id"])].append(c)
    # Contacts known only from their events, as detente creates them.
    for contact, evs in events.items():
        groups["solo:" + contact].append({"id": contact, "events": evs})

    client = Client(args.url, token=token)
    stages = collections.Counter()
    failed = 0
    for key, members in sorted(groups.items()):
        account = [accounts[key]] if key in accounts else None
        try:
            answer = client.classify(members, account, args.as_of)
        except ApiError as e:
            failed += 1
            print(f"account {key}: {e}", file=sys.stderr)
            continue
        except urllib.error.URLError as e:
            sys.exit(f"cannot reach {args.url}: {e.reason} (is `detente serve` running?)")
        for journey in answer["journeys"]:
            stages[journey["stage"]] += 1

    total = sum(stages.values())
    print(f"{total} contacts classified in {len(groups) - failed} requests ({failed} failed)")
    for stage, n in stages.most_common():
        print(f"  {stage:<14} {n:>6}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
