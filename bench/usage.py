"""Usage rating benchmarks (issue 3): a file rated column-wise on SQLite, and
records rated one by one with a commit per chunk on SQLite and PostgreSQL.
Prints figures; asserts nothing.

    make bench-usage          # = .venv/bin/python bench/usage.py (10M records / 1M lines: ~minutes)
    .venv/bin/python bench/usage.py --lines 100000 --records 1000000 --only columnar   # a quick run

Each benchmark runs in its own process, so the peak RSS printed is that
benchmark's: the database and the record file are made by a set-up process
first (bench/usage_data.py), and the measuring process only reads the file
and rates it through `kindline.usage.service.rate`, exactly as
`kindline usage rate FILE` does. The breakdown times the steps of the
service by wrapping them (read+normalise; the rater's one bulk warm-up of the
file's line terms, as frames column-wise or as objects record by record, and
each chunk's version check and counter locks; the record-id look-up, rating,
commit, and inside commit the writes, the reminder and arrears calls and the
database's own commit).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from pathlib import Path

from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent))
import usage_data  # noqa: E402  (bench/ is not a package)

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


class Stopwatch:
    """Wall time and calls per step, summed over the chunks of a run."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)

    def wrap(self, owner, name: str, label: str) -> None:
        inner = getattr(owner, name)

        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                self.seconds[label] += time.perf_counter() - start
                self.calls[label] += 1

        setattr(owner, name, timed)


def _instrument() -> Stopwatch:
    from sqlalchemy.orm import Session

    from kindline.billing import arrears
    from kindline.usage import commit, context, ingest, service
    from kindline.usage.frame_terms import FrameTerms
    from kindline.usage.terms import TermsCache

    watch = Stopwatch()
    watch.wrap(ingest, "normalise", "normalise")
    watch.wrap(FrameTerms, "warm", "frame terms warm-up (once)")
    watch.wrap(FrameTerms, "context", "frame terms check + locks")
    watch.wrap(context, "load_terms", "  terms load")
    watch.wrap(context, "create_counters", "  counters created")
    watch.wrap(context, "live_lines", "  version check")
    watch.wrap(context, "locked_positions", "  counter locks (frames)")
    watch.wrap(TermsCache, "warm", "terms warm-up (once)")
    watch.wrap(TermsCache, "context", "terms check + locks")
    watch.wrap(service, "_already_rated", "already-rated look-up")
    watch.wrap(service, "rate_frame", "rating (columnar)")
    watch.wrap(service, "rate_records", "rating (records)")
    watch.wrap(service, "commit", "commit (all)")
    watch.wrap(commit, "append_frame", "  records insert")
    watch.wrap(commit, "update_frame", "  counters update")
    watch.wrap(commit.postings, "post_many", "  balances + ledger")
    watch.wrap(commit.reminders, "usage_moved_many", "  usage reminders")
    watch.wrap(arrears, "balance_moved", "  balance/arrears steps")
    watch.wrap(Session, "commit", "database commit")
    return watch


def measure(url: str, file: Path, mode: str, chunk: int) -> dict:
    """In the measuring process: read `file` and rate it into `url`."""
    from kindline.core.db import make_engine, make_session_factory
    from kindline.usage import ingest, service

    watch = _instrument()
    engine = make_engine(url)
    factory = make_session_factory(engine)
    start = time.perf_counter()
    raw = ingest.read_file(file)
    read = time.perf_counter() - start
    report = service.rate(factory, usage_data.clock(), raw, mode=mode, chunk_size=chunk, source="bench")
    total = time.perf_counter() - start
    engine.dispose()
    steps = {"read file": read, **watch.seconds}
    return {"records": raw.height, "rated": report.rated, "rejected": len(report.rejected),
            "duplicates": report.duplicates, "seconds": total, "steps": steps, "calls": dict(watch.calls),
            "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _child(*args: str) -> dict:
    """Run this file with `args` in a fresh process; answers its JSON line."""
    done = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _prepare(url: str, folder: Path, lines: int, records: int) -> tuple[Path, float]:
    start = time.perf_counter()
    file = folder / f"usage-{records}.parquet"
    _child("_prepare", url, str(file), str(lines), str(records))
    return file, time.perf_counter() - start


def _print(label: str, result: dict, setup: float) -> None:
    rate = result["rated"] / result["seconds"]
    print(f"{label}: {result['rated']:,} records rated in {result['seconds']:.1f} s = {rate:,.0f} records/s,"
          f" peak RSS {result['peak_rss_mib']:.0f} MiB  (set-up {setup:.0f} s, not counted;"
          f" rejected {result['rejected']}, duplicates {result['duplicates']})")
    for step, seconds in result["steps"].items():
        calls = result["calls"].get(step)
        print(f"    {step:<26} {seconds:8.2f} s" + (f"  ({calls:,} calls)" if calls else ""))


def _run(label: str, url: str, folder: Path, lines: int, records: int, mode: str, chunk: int) -> None:
    file, setup = _prepare(url, folder, lines, records)
    _print(label, _child("_measure", url, str(file), mode, str(chunk)), setup)


def _postgres(action) -> None:
    try:
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        name = f"kindline_bench_{uuid.uuid4().hex[:6]}"
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # no server: report and go on
        print(f"PostgreSQL not available: {exc}")
        return
    try:
        action(PG_ADMIN.rsplit("/", 1)[0] + "/" + name)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_prepare":
        url, file, lines, records = sys.argv[2:6]
        usage_data.populate(url, int(lines))
        usage_data.records(int(lines), int(records)).write_parquet(file)
        print(json.dumps({"ok": True}))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "_measure":
        url, file, mode, chunk = sys.argv[2:6]
        print(json.dumps(measure(url, Path(file), mode, int(chunk))))
        return
    parser = argparse.ArgumentParser(description="usage rating benchmarks (bench/README.md)")
    parser.add_argument("--lines", type=int, default=1_000_000, help="lines for the column-wise run")
    parser.add_argument("--records", type=int, default=10_000_000, help="records for the column-wise run")
    parser.add_argument("--chunk", type=int, default=1_000_000, help="records per transaction, column-wise")
    parser.add_argument("--record-lines", type=int, default=100_000, help="lines for the record-by-record runs")
    parser.add_argument("--record-count", type=int, default=200_000, help="records for the record-by-record runs")
    parser.add_argument("--record-chunk", type=int, default=10_000,
                        help="records per transaction, record by record (kindline usage rate's default)")
    parser.add_argument("--only", choices=("columnar", "records-sqlite", "records-postgresql"), action="append")
    args = parser.parse_args()
    only = set(args.only or ("columnar", "records-sqlite", "records-postgresql"))
    scratch = Path(__file__).resolve().parent.parent / "var"
    scratch.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=scratch) as name:
        folder = Path(name)
        if "columnar" in only:
            _run(f"columnar, SQLite, {args.records:,} records / {args.lines:,} lines, chunk {args.chunk:,}",
                 f"sqlite:///{folder}/columnar.db", folder, args.lines, args.records, "columnar", args.chunk)
        if "records-sqlite" in only:
            _run(f"records, SQLite, {args.record_count:,} records / {args.record_lines:,} lines,"
                 f" chunk {args.record_chunk}", f"sqlite:///{folder}/records.db", folder, args.record_lines,
                 args.record_count, "records", args.record_chunk)
        if "records-postgresql" in only:
            _postgres(lambda url: _run(
                f"records, PostgreSQL, {args.record_count:,} records / {args.record_lines:,} lines,"
                f" chunk {args.record_chunk}", url, folder, args.record_lines, args.record_count, "records",
                args.record_chunk))


if __name__ == "__main__":
    main()
