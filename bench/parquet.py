#!/usr/bin/env python3
"""Parquet input against CSV input on the same data: the generated
files of bench/scale.sh converted to Parquet by pyarrow (types inferred,
as an export's would be: timestamps with a zone, numbers, booleans;
zstd), then Détente and DuckDB run on each, timed with peak memory.
Checks that both inputs give byte-identical journeys.

    python3 bench/parquet.py DIR DETENTE_BINARY   (bench/parquet.sh runs it)
"""

import hashlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from scale import AS_OF, run_measured, timed  # noqa: E402


CONVERT = """
import sys
import pyarrow.csv as pacsv, pyarrow.parquet as pq
table = pacsv.read_csv(sys.argv[1])
pq.write_table(table, sys.argv[2], compression="zstd")
"""


def convert(data: Path) -> Path:
    """The CSV files as Parquet, each converted in a child process: this
    one must not hold pyarrow's tables, as a child's peak memory counts
    its parent's (see scale.py)."""
    import subprocess

    out = data / "parquet"
    out.mkdir(exist_ok=True)
    for name in ("contacts", "accounts", "events"):
        target = out / f"{name}.parquet"
        if not target.exists():
            subprocess.run([sys.executable, "-c", CONVERT, str(data / f"{name}.csv"), str(target)], check=True)
    return out


def manifest(data: Path, ext: str, folder: Path) -> Path:
    path = data / f"bench-{ext}.toml"
    path.write_text(
        f'[data]\ncontacts = "{folder}/contacts.{ext}"\naccounts = "{folder}/accounts.{ext}"\n'
        f'events = "{folder}/events.{ext}"\n',
        encoding="utf-8",
    )
    return path


def digest(cmd):
    import subprocess

    out = subprocess.run(cmd, check=True, capture_output=True)
    return hashlib.md5(out.stdout).hexdigest()


def main():
    data, binary = Path(sys.argv[1]), sys.argv[2]
    policy = str(Path(__file__).resolve().parents[1] / "policies" / "acme.detente")
    pq_dir = convert(data)
    sizes = {
        ext: sum((folder / f"{n}.{ext}").stat().st_size for n in ("contacts", "accounts", "events"))
        for ext, folder in (("csv", data), ("parquet", pq_dir))
    }
    print(f"files: CSV {sizes['csv'] / 2**20:.0f} MiB, Parquet (zstd) {sizes['parquet'] / 2**20:.0f} MiB")
    runs = {}
    for ext, folder in (("csv", data), ("parquet", pq_dir)):
        m = str(manifest(data, ext, folder))
        base = [binary]
        stream = base + ["classify", "--manifest", m, "--policy", policy, "--stream", "--as-of", AS_OF, "-o", "jsonl"]
        report = base + ["report", "--manifest", m, "--policy", policy, "--as-of", AS_OF, "-o", "json"]
        runs[ext] = {
            "classify --stream": run_measured(stream),
            "report": run_measured(report),
            "md5": digest(stream),
        }
    for what in ("classify --stream", "report"):
        (c, cm), (p, pm) = runs["csv"][what], runs["parquet"][what]
        print(f"{what:<18} CSV {c:6.2f} s {cm:5.0f} MiB   Parquet {p:6.2f} s {pm:5.0f} MiB   Parquet/CSV {p / c:.2f}x")
    same = runs["csv"]["md5"] == runs["parquet"]["md5"]
    print(f"journeys from CSV and from Parquet: {'identical' if same else 'DIFFERENT'} ({runs['csv']['md5']})")
    q = 'con.sql("select contact, count(*), min(\\"at\\"), max(\\"at\\") from {src} group by contact").fetchall()'
    setup = "con = duckdb.connect()"
    csv_t = timed(setup, q.format(src=f"read_csv('{data / 'events.csv'}')"))
    pq_t = timed(setup, q.format(src=f"read_parquet('{pq_dir / 'events.parquet'}')"))
    print(f"DuckDB group-by    CSV {csv_t:6.2f} s   Parquet {pq_t:6.2f} s")
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
