"""Foundation benchmarks: demo load, customer look-up and order submission,
on SQLite and (when it answers) PostgreSQL. Prints figures; asserts nothing.

    make bench        # or: .venv/bin/python bench/run.py [--subscribers 2000]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select, text

from kindline.app import create_app
from kindline.core.auth.principal import Principal
from kindline.core.auth.service import Tokens
from kindline.core.clock import VirtualClock, parse_iso
from kindline.core.db import make_engine, make_session_factory
from kindline.core.migrate import upgrade
from kindline.core.runtime import Runtime
from kindline.core.settings import Settings
from kindline.customers.models import Customer, Line
from kindline.demo.loader import load_demo

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def _runtime(url: str, folder: Path) -> Runtime:
    settings = Settings(database_url=url, var_dir=folder, secret_key="bench", embedded_worker=False)
    engine = make_engine(url)
    upgrade(engine)
    clock = VirtualClock(parse_iso("2026-11-22T10:00:00+08:00"))
    return Runtime(settings, engine, make_session_factory(engine), clock, Tokens("bench"))


def _timed(label: str, count: int, work) -> None:
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        work()
        samples.append(time.perf_counter() - start)
    samples.sort()
    p95 = samples[int(0.95 * (len(samples) - 1))]
    print(f"  {label}: {count / sum(samples):8.1f}/s  median {statistics.median(samples) * 1000:6.1f} ms"
          f"  p95 {p95 * 1000:6.1f} ms")


def bench(url: str, subscribers: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        runtime = _runtime(url, Path(folder))
        start = time.perf_counter()
        load_demo(runtime, subscribers=subscribers, progress=lambda _line: None)
        print(f"  demo load ({subscribers} subscribers): {time.perf_counter() - start:.1f} s")
        with runtime.sessions() as session:
            phones = list(session.scalars(select(Line.number).where(Line.kind == "mobile").limit(200)))
            some = session.scalars(select(Customer.id).limit(1)).one()
        staff = {"Authorization": "Bearer " + runtime.tokens.issue(Principal("staff", 1, "bench", frozenset(
            {"customers:read", "orders:write", "orders:read"})))}
        with TestClient(create_app(runtime)) as client:
            cycle = iter(phones * 10)
            _timed("GET /api/v1/customers?phone=", 300,
                   lambda: client.get("/api/v1/customers", params={"phone": next(cycle)}, headers=staff))
            _timed("POST /api/v1/orders (customer_info_change)", 200, lambda: client.post(
                "/api/v1/orders", headers={**staff, "Idempotency-Key": uuid.uuid4().hex},
                json={"type": "customer_info_change", "customer_id": some, "phone": "13912345678"}))
        runtime.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscribers", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        print("SQLite")
        bench(f"sqlite:///{folder}/bench.db", args.subscribers)
    try:
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        name = f"kindline_bench_{uuid.uuid4().hex[:6]}"
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # no server: report and stop
        print(f"PostgreSQL not available: {exc}")
        return
    try:
        print("PostgreSQL")
        bench(PG_ADMIN.rsplit("/", 1)[0] + "/" + name, args.subscribers)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
