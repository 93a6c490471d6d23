"""Works the scoreboard of scoreboard.detente out from the example data
with plain Python, without Détente, and compares it with Détente's report.

    detente report --as-of 2026-10-31T23:59:59Z -o json > report.json
    python3 check.py report.json

Exits 1 and lists every figure that differs. The data's shape is checked
first (no rep changes office, no merged duplicate closes a deal, no
opportunity is won twice), since the independent computation relies on it.
"""

import csv
import gzip
import json
import sys
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE.parent / "data"
AS_OF = datetime(2026, 10, 31, 23, 59, 59, tzinfo=timezone.utc)
QUOTA = Decimal("100000")
RATE = Decimal("0.02")
WITHIN = timedelta(days=2)


def at(text):
    """An event's instant; a date alone is the end of that day (the
    manifest's date_only = "end"), UTC (the policy's timezone)."""
    if len(text) == 10:
        d = datetime.fromisoformat(text).replace(tzinfo=timezone.utc)
        return d + timedelta(days=1) - timedelta(milliseconds=1)
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def quarter(t):
    return f"{t.year} Q{(t.month - 1) // 3 + 1}"


def load():
    with open(DATA / "contacts.csv", newline="") as f:
        contacts = {r["id"]: r for r in csv.DictReader(f)}
    with open(DATA / "accounts.csv", newline="") as f:
        accounts = {r["id"]: r for r in csv.DictReader(f)}
    events, seen = [], set()
    with gzip.open(DATA / "events.jsonl.gz", "rt") as f:
        for line in f:
            e = json.loads(line)
            if e["id"] in seen:  # a row repeated by an overlapping export
                continue
            seen.add(e["id"])
            e["t"] = at(e["at"])
            events.append(e)
    return contacts, accounts, events


def shape(contacts, events):
    """What the computation below relies on."""
    merged = {e["contact"] for e in events if e["type"] == "merge"}
    for e in events:
        if e["type"] == "update":
            assert not {"owner", "office", "manager", "lead_source"} & e.keys(), e
        if e["type"] in ("deal_won", "deal_lost", "opportunity_created"):
            assert e["contact"] not in merged, e
    won = [e.get("opportunity") for e in events if e["type"] == "deal_won"]
    assert len(won) == len(set(won)), "an opportunity is won twice"
    for c in contacts.values():
        assert c["created_at"], c


def segment(value):
    return value if value else None


def rate(won, lost):
    n = won + lost
    return None if n == 0 else round(won / n, 4)


def report_periods(contacts):
    first = min(at(c["created_at"]) for c in contacts.values())
    out, (y, q) = [], (first.year, (first.month - 1) // 3)
    while datetime(y, q * 3 + 1, 1, tzinfo=timezone.utc) <= AS_OF:
        out.append(f"{y} Q{q + 1}")
        y, q = (y + 1, 0) if q == 3 else (y, q + 1)
    return first, out


def metrics(contacts, events, accounts, periods):
    """{metric: {period: (total, {segment: value})}}."""
    out = {}
    for name, field in (("win_rate_by_office", "office"), ("win_rate_by_manager", "manager")):
        tally = defaultdict(lambda: [0, 0])
        for e in events:
            if e["type"] in ("deal_won", "deal_lost"):
                seg = segment(contacts[e["contact"]][field])
                k = 0 if e["type"] == "deal_won" else 1
                tally[(quarter(e["t"]), seg)][k] += 1
                tally[(quarter(e["t"]), "TOTAL")][k] += 1
        out[name] = tally_rates(tally, periods)
    opps = defaultdict(int)
    for e in events:
        if e["type"] == "opportunity_created":
            seg = segment(contacts[e["contact"]]["lead_source"])
            opps[(quarter(e["t"]), seg)] += 1
            opps[(quarter(e["t"]), "TOTAL")] += 1
    out["opportunities_by_source"] = tally_counts(opps, periods)
    return out


def tally_rates(tally, periods):
    segs = {s for (_, s) in tally if s != "TOTAL"}
    return {
        p: (
            rate(*tally.get((p, "TOTAL"), [0, 0])),
            {s: rate(*tally.get((p, s), [0, 0])) for s in segs},
        )
        for p in periods
    }


def tally_counts(tally, periods):
    segs = {s for (_, s) in tally if s != "TOTAL"}
    return {p: (tally.get((p, "TOTAL"), 0), {s: tally.get((p, s), 0) for s in segs}) for p in periods}


def bonuses(contacts, events, periods):
    """{period: {payee: (bookings, met, payout)}} for each rep with a win."""
    won = defaultdict(Decimal)
    for e in events:
        if e["type"] == "deal_won":
            won[(quarter(e["t"]), segment(contacts[e["contact"]]["owner"]))] += Decimal(str(e["amount"]))
    out = {}
    for p in periods:
        out[p] = {}
        for (q, rep), total in won.items():
            if q == p:
                met = total >= QUOTA
                pay = ((total - QUOTA) * RATE).quantize(Decimal("0.01"), ROUND_HALF_EVEN) if met else Decimal(0)
                out[p][rep] = (total, met, max(pay, Decimal(0)))
    return out


def handoffs(contacts, accounts, events):
    """Each account's instance: (sdr, due, status at AS_OF)."""
    by_account = defaultdict(list)
    for e in events:
        c = contacts.get(e["contact"])
        if c and c["account"]:
            by_account[c["account"]].append(e)
    out = []
    for a, evs in by_account.items():
        opps = [e["t"] for e in evs if e["type"] == "opportunity_created"]
        if not opps:
            continue
        start = min(opps)
        due = start + WITHIN
        calls = [e["t"] for e in evs if e["type"] == "sales_call" and e["t"] > start]
        met = min(calls) if calls else None
        if met is not None and met <= AS_OF:
            status = "met" if met <= due else "breached"
        else:
            status = "overdue" if AS_OF > due else "open"
        out.append((segment(accounts[a]["sdr"]), due, status))
    return out


def compare(report, contacts, accounts, events):
    bad = []
    first, periods = report_periods(contacts)
    rows = {m["metric"]: m for m in report["metrics"]}
    for name, want in metrics(contacts, events, accounts, periods).items():
        for cell in rows[name]["values"]:
            total, segs = want[cell["period"]]
            if cell["value"] != total:
                bad.append(f"{name} {cell['period']}: report {cell['value']}, expected {total}")
            got = {s["segment"]: s["value"] for s in cell.get("segments", [])}
            if set(got) != set(segs):
                bad.append(f"{name} {cell['period']}: segments {sorted(map(str, got))}, expected {sorted(map(str, segs))}")
            for s, v in segs.items():
                if got.get(s) != v:
                    bad.append(f"{name} {cell['period']} [{s}]: report {got.get(s)}, expected {v}")
    want = bonuses(contacts, events, periods)
    for row in report["incentives"]:
        if row["incentive"] != "rep_bonus":
            continue
        expected = want[row["period"]]
        got = {p["payee"]: p for p in row.get("payees", [])}
        if set(got) != set(expected):
            bad.append(f"rep_bonus {row['period']}: payees {sorted(map(str, got))}, expected {sorted(map(str, expected))}")
        for rep, (total, met, pay) in expected.items():
            p = got.get(rep)
            if p is None:
                continue
            if (Decimal(p["target_value"]), p["target_met"], Decimal(p["payout"])) != (total, met, pay):
                bad.append(f"rep_bonus {row['period']} {rep}: report {p}, expected {total} {met} {pay}")
        paid = sum((pay for rep, (_, _, pay) in expected.items() if rep is not None), Decimal(0))
        if Decimal(row["payout"]) != paid:
            bad.append(f"rep_bonus {row['period']}: paid {row['payout']}, expected {paid}")
    instances = [i for i in handoffs(contacts, accounts, events) if first <= i[1] <= AS_OF]
    sla_rows = [r for r in report["slas"] if r["sla"] == "account_handoff"]
    for r in sla_rows:
        mine = instances if r.get("total") else [i for i in instances if i[0] == r["assignee"]]
        counts = {k: sum(1 for i in mine if i[2] == k) for k in ("met", "breached", "overdue", "open")}
        got = {k: r[k] for k in counts}
        if got != counts:
            bad.append(f"account_handoff [{r['assignee']}]: report {got}, expected {counts}")
    by_q = defaultdict(lambda: [0, 0])
    for sdr, due, status in instances:
        if status in ("met", "breached", "overdue"):
            for key in ((quarter(due), sdr), (quarter(due), "TOTAL")):
                by_q[key][0 if status == "met" else 1] += 1
    for cell in rows["handoff_attainment"]["values"]:
        p = cell["period"]
        total = rate(*by_q.get((p, "TOTAL"), [0, 0]))
        if cell["value"] != total:
            bad.append(f"handoff_attainment {p}: report {cell['value']}, expected {total}")
        for s in cell.get("segments", []):
            v = rate(*by_q.get((p, s["segment"]), [0, 0]))
            if s["value"] != v:
                bad.append(f"handoff_attainment {p} [{s['segment']}]: report {s['value']}, expected {v}")
    return bad, len(periods), len(instances)


def main():
    report = json.loads(Path(sys.argv[1]).read_text())
    contacts, accounts, events = load()
    shape(contacts, events)
    bad, periods, instances = compare(report, contacts, accounts, events)
    for b in bad:
        print(b)
    if bad:
        print(f"{len(bad)} figures differ")
        sys.exit(1)
    print(f"every figure matches: {periods} quarters, {instances} account handoffs")


if __name__ == "__main__":
    main()
