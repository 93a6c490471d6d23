"""Works the pipeline scoreboard of pipeline.detente out from the deal
export with plain Python, without Détente, and compares it with Détente's
report and its deal journeys.

    detente report --as-of 2025-06-30T23:59:59Z -o json > report.json
    detente classify --lifecycle deal --as-of 2025-06-30T23:59:59Z -o csv > deals.csv
    python3 check.py report.json deals.csv

Exits 1 and lists every figure that differs. What it computes, as the
policy says it:

- each deal starts engaging on its engage date and is won or lost on its
  close date (dates are midnight in America/Chicago, the policy's
  timezone); a deal still engaging 180 days after its engage date has
  stalled, and is lost then, unless it closed at that very instant or
  before;
- a prospect with no dates exists from the first date in the data;
- per quarter (in the policy's timezone): deals won, deals lost, the win
  rate of the deals that started engaging in the quarter (won by the
  as-of time), the same by office (each agent's office from the teams
  file), the average and the sum of the won deals' values, the median
  days from engaging to won, and the pipeline velocity (deals that
  started engaging x win rate x average won deal / median cycle), days
  being elapsed time (a stay across the autumn clock change is an hour
  longer than its dates say);
- at the as-of time: how many deals are open (prospecting or engaging),
  won and lost.
"""

import csv
import json
import statistics
import sys
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
TZ = ZoneInfo("America/Chicago")
AS_OF = datetime(2025, 6, 30, 23, 59, 59, tzinfo=timezone.utc)
STALL_DAYS = 180


def local_midnight(text):
    """`1/17/2025` as midnight that day in the policy's timezone."""
    month, day, year = (int(x) for x in text.split("/"))
    return datetime(year, month, day, tzinfo=TZ)


def amount(text):
    return Decimal(text.replace(",", "")) if text else None


def quarter(t):
    t = t.astimezone(TZ)
    return f"{t.year} Q{(t.month - 1) // 3 + 1}"


def load():
    with open(DATA / "sales_teams.csv", newline="") as f:
        office = {r["sales_agent"]: r["regional_office"] for r in csv.DictReader(f)}
    with open(DATA / "sales_pipeline.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    return office, rows


def journeys(office, rows):
    """Each deal's moves: {id: [(stage, instant)], ...} with its office and
    amount."""
    dates = [
        local_midnight(r[c]) for r in rows for c in ("engage_date", "close_date") if r[c]
    ]
    start = min(dates)
    deals = {}
    for r in rows:
        engaged = local_midnight(r["engage_date"]) if r["engage_date"] else None
        closed = local_midnight(r["close_date"]) if r["close_date"] else None
        moves = [("prospecting", engaged or start)]
        if engaged:
            moves.append(("engaging", engaged))
            # 180 calendar days later, at the same wall-clock time.
            naive = engaged.replace(tzinfo=None) + timedelta(days=STALL_DAYS)
            stall = naive.replace(tzinfo=TZ)
            if closed is not None and r["deal_stage"] in ("Won", "Lost") and closed <= stall:
                moves.append(("won" if r["deal_stage"] == "Won" else "lost", closed))
            elif stall <= AS_OF:
                moves.append(("lost", stall))
        deals[r["opportunity_id"]] = {
            "moves": [(s, t) for s, t in moves if t <= AS_OF],
            "office": office.get(r["sales_agent"]),
            "amount": amount(r["close_value"]),
        }
    return deals


def entered(deal, stage):
    return next((t for s, t in deal["moves"] if s == stage), None)


def cents(x):
    return x.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)


def figures(deals):
    """{metric: {period: value}}, and {period: {office: win rate}}."""
    won, lost = Counter(), Counter()
    engaged = defaultdict(list)
    won_values = defaultdict(list)
    cycles = defaultdict(list)
    for d in deals.values():
        w, l, e = entered(d, "won"), entered(d, "lost"), entered(d, "engaging")
        if w:
            won[quarter(w)] += 1
            won_values[quarter(w)].append(d["amount"])
            # Elapsed time, as Détente counts days: across a change of
            # the clocks a day is 23 or 25 hours (Python subtracts two
            # times of one timezone as wall-clock times, so go to UTC).
            elapsed = w.astimezone(timezone.utc) - e.astimezone(timezone.utc)
            cycles[quarter(w)].append(elapsed.total_seconds() / 86400)
        if l:
            lost[quarter(l)] += 1
        if e:
            engaged[quarter(e)].append(d)
    out = defaultdict(dict)
    by_office = defaultdict(dict)
    for q in sorted(set(won) | set(lost) | set(engaged)):
        cohort = engaged.get(q, [])
        reached = [d for d in cohort if entered(d, "won")]
        rate = len(reached) / len(cohort) if cohort else None
        out["won"][q] = won.get(q, 0)
        out["lost"][q] = lost.get(q, 0)
        out["win_rate"][q] = rate
        offices = sorted({d["office"] for d in cohort if d["office"]})
        for o in offices:
            mine = [d for d in cohort if d["office"] == o]
            by_office[q][o] = sum(1 for d in mine if entered(d, "won")) / len(mine)
        values = won_values.get(q, [])
        average = sum(values) / len(values) if values else None
        out["average_won_deal"][q] = average
        out["won_revenue"][q] = sum(values, Decimal(0))
        cycle = statistics.median(cycles[q]) if cycles.get(q) else None
        out["median_cycle"][q] = cycle
        out["pipeline_velocity"][q] = (
            None
            if rate is None or average is None or not cycle
            else Decimal(len(cohort)) * Decimal(rate) * average / Decimal(cycle)
        )
    return out, by_office


def close(a, b, tolerance):
    if a is None or b is None:
        return a is None and b is None
    return abs(float(a) - float(b)) <= tolerance


def compare(report, deals, journeys_csv):
    ours, by_office = figures(deals)
    theirs = {m["metric"]: m for m in report["metrics"]}
    problems, checked = [], 0
    tolerances = {
        "won": 0,
        "lost": 0,
        "win_rate": 0.00005,
        "average_won_deal": 0.005,
        "won_revenue": 0.005,
        "median_cycle": 0.00005,
        "pipeline_velocity": 0.005,
    }
    for name, tolerance in tolerances.items():
        for v in theirs[name]["values"]:
            value = v["value"]
            value = Decimal(value) if isinstance(value, str) else value
            mine = ours[name].get(v["period"])
            if isinstance(mine, Decimal) and name in ("average_won_deal", "pipeline_velocity"):
                mine = cents(mine)
            checked += 1
            if not close(value, mine, tolerance):
                problems.append(f"{name} {v['period']}: Détente {value}, computed {mine}")
    for v in theirs["win_rate_by_office"]["values"]:
        for s in v.get("segments", []):
            mine = by_office.get(v["period"], {}).get(s["segment"])
            checked += 1
            if not close(s["value"], mine, 0.00005):
                problems.append(
                    f"win_rate_by_office {v['period']} {s['segment']}: Détente {s['value']}, computed {mine}"
                )
    # Open, won and lost deals at the as-of time.
    stages = Counter(r["stage"] for r in journeys_csv)
    mine = Counter(d["moves"][-1][0] for d in deals.values())
    for stage in ("prospecting", "engaging", "won", "lost"):
        checked += 1
        if stages.get(stage, 0) != mine.get(stage, 0):
            problems.append(
                f"deals in {stage} at the as-of time: Détente {stages.get(stage, 0)}, computed {mine.get(stage, 0)}"
            )
    return problems, checked, mine


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    report = json.loads(Path(sys.argv[1]).read_text())
    with open(sys.argv[2], newline="") as f:
        journeys_csv = list(csv.DictReader(f))
    office, rows = load()
    deals = journeys(office, rows)
    problems, checked, stages = compare(report, deals, journeys_csv)
    if problems:
        print("\n".join(problems))
        sys.exit(1)
    open_deals = stages["prospecting"] + stages["engaging"]
    print(
        f"every figure matches: {checked} figures; at the as-of time {open_deals} deals open, "
        f"{stages['won']} won, {stages['lost']} lost"
    )


if __name__ == "__main__":
    main()
