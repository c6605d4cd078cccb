"""Work-order SLA at scale (issue 4): one million open work orders in
PostgreSQL, how long one sweep for due warnings and breaches takes, and how
many timers a second two worker processes fire.

The open orders and their timers are written with COPY (making a million
through the service would measure the service, not the sweep); the timers
that come due are then fired by two real `kindline worker --until-idle`
processes through the real handlers.

    .venv/bin/python bench/workorders.py [--orders 1000000] [--due 20000]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import scratch_postgres  # noqa: E402

from kindline.core.db import make_engine  # noqa: E402
from kindline.core.migrate import upgrade  # noqa: E402

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
COLUMNS = ("type, status, priority, description, channel, source, created_by, area, segments, green, escalation, "
           "policy_code, sla_started_at, resolution_due_at, paused_seconds, created_at, updated_at, city, home_city")


def _orders(count: int, due: int) -> io.StringIO:
    """`due` orders created 25 h ago (warning and breach due), the rest within the last 20 h."""
    out = io.StringIO()
    for number in range(count):
        created = NOW - (timedelta(hours=25, seconds=number) if number < due else timedelta(seconds=number % 72000))
        stamp = created.isoformat()
        resolution_due = (created + timedelta(hours=24)).isoformat()
        out.write(f"repair\tacknowledged\tnormal\t故障{number}\thotline\thotline\tsystem\turban\t[]\tf\t0\t"
                  f"repair_urban\t{stamp}\t{resolution_due}\t0\t{stamp}\t{stamp}\t南京市\t南京市\n")
    out.seek(0)
    return out


def _timers(rows) -> io.StringIO:
    out = io.StringIO()
    for order_id, started in rows:
        key = f"{order_id}@{int(started.timestamp())}"
        payload = json.dumps({"work_order_id": order_id})
        for kind, hours in (("wo.resolution_warning", 24 * 0.8), ("wo.resolution_breach", 24)):
            out.write(f"{kind}\t{key}\t{(started + timedelta(hours=hours)).isoformat()}\t{payload}\t"
                      f"{started.isoformat()}\t0\n")
    out.seek(0)
    return out


def _copy(engine, table: str, columns: str, data: io.StringIO) -> None:
    raw = engine.raw_connection()
    try:
        with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            while chunk := data.read(1 << 20):
                copy.write(chunk)
        raw.commit()
    finally:
        raw.close()


def run(url: str, orders: int, due: int) -> dict:
    engine = make_engine(url)
    upgrade(engine)
    began = time.perf_counter()
    _copy(engine, "work_orders", COLUMNS, _orders(orders, due))
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT id, sla_started_at FROM work_orders")).all()
    _copy(engine, "timers", "kind, key, due_at, payload, created_at, attempts", _timers(rows))
    with engine.begin() as connection:
        connection.execute(text("ANALYZE work_orders; ANALYZE timers"))
    loaded = time.perf_counter() - began
    sweep_sql = text("SELECT id FROM timers WHERE fired_at IS NULL AND cancelled_at IS NULL AND due_at <= :now "
                     "AND attempts < 10 ORDER BY due_at, id LIMIT 100 FOR UPDATE SKIP LOCKED")
    count_sql = text("SELECT count(*) FROM timers WHERE fired_at IS NULL AND cancelled_at IS NULL AND due_at <= :now")
    with engine.begin() as connection:
        started = time.perf_counter()
        connection.execute(sweep_sql, {"now": NOW}).all()
        claim_ms = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        found = connection.execute(count_sql, {"now": NOW}).scalar()
        sweep_ms = (time.perf_counter() - started) * 1000
    env = {**os.environ, "KINDLINE_DATABASE_URL": url, "KINDLINE_CLOCK": "virtual:" + NOW.isoformat(),
           "KINDLINE_SECRET_KEY": "bench", "KINDLINE_VAR_DIR": "/tmp/kindline-bench-wo"}
    started = time.perf_counter()
    workers = [subprocess.Popen([sys.executable, "-m", "kindline.cli", "worker", "--until-idle"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for _ in range(2)]
    for worker in workers:
        _out, err = worker.communicate()
        if worker.returncode:
            raise SystemExit(err.decode()[-2000:])
    fired_s = time.perf_counter() - started
    with engine.connect() as connection:
        fired = connection.execute(text("SELECT count(*) FROM timers WHERE fired_at IS NOT NULL")).scalar()
        twice = connection.execute(text("SELECT count(*) FROM timers WHERE attempts > 1")).scalar()
    engine.dispose()
    return {"orders": orders, "timers": 2 * orders, "load_s": round(loaded, 1), "claim_ms": round(claim_ms, 1),
            "sweep_ms": round(sweep_ms, 1), "due_found": found, "fired": fired, "retried": twice,
            "fire_s": round(fired_s, 1), "timers_per_s": round(fired / fired_s, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=20_000, help="orders whose warning and breach are due")
    args = parser.parse_args()
    with scratch_postgres("kindline_bench_wo") as url:
        result = run(url, args.orders, args.due)
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
