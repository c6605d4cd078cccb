"""Deterministic data for the usage benchmarks: a fresh database with N mobile
lines, and a file of M usage records for them.

Everything is built column-wise with Polars and written with bulk inserts
(core/bulk.append_frame: COPY on PostgreSQL, executemany on SQLite), bypassing
the domain services: a million lines through `open_line`/`subscribe` would take
hours. The rows are the ones the services would write (valid ID numbers,
unique phones, products pinned to the demo catalog's versions).

Lines come in blocks of 20, so every mix below is exact for any N:

    0-2    MOB-98 primaries (position 0 also holds AUTO-UP-1G)
    3-5    MOB-SEC secondary cards of 0-2, same holder, sharing the MOB-98 pool
    6-11   MOB-39 (position 6 also holds AUTO-UP-1G)
    12-15  MOB-59
    16-19  ELDER-CARD, held by customers born 1940-1960; 16 lists 6 and 7 as
           family numbers (亲情号), 17 lists 8, 18 lists 9

Balances: most accounts hold 30-300 元; `--low` of them hold 1-9 元 (they
fall into arrears) and as many hold 15-18 元 (they cross the 15 元 reminder).
Records: uniform over lines and over the current cycle up to the virtual now
(2026-11-22 10:00 +08:00); `--heavy` of the lines use 30x the data and 8x the
minutes, so their pools cross 80 % / 100 % and reach overage and upgrade packs.
A quarter of the calls and messages of lines with family numbers go to one.

Random numbers are hashes of the row index with a fixed seed (Polars `hash`):
the same sizes and seed give the same data with the same Polars version.

    .venv/bin/python bench/usage_data.py populate sqlite:///var/bench-usage.db --lines 1000000
    .venv/bin/python bench/usage_data.py records var/usage-10m.parquet --lines 1000000 --records 10000000
"""

from __future__ import annotations

import argparse
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import polars as pl
from sqlalchemy import select

from kindline.billing.models import BillingAccount
from kindline.catalog import loader
from kindline.catalog.models import Product, ProductVersion
from kindline.core.bulk import append_frame
from kindline.core.clock import VirtualClock, parse_iso
from kindline.core.db import make_engine, make_session_factory, transaction
from kindline.core.migrate import upgrade
from kindline.customers.models import Customer, FamilyNumber, Line, LineProduct

NOW = "2026-11-22T10:00:00+08:00"
CYCLE_START = datetime(2026, 10, 31, 16, 0, tzinfo=timezone.utc)  # 2026-11-01 00:00 +08:00
BLOCK = 20
CUSTOMERS_PER_BLOCK = 17  # the three secondary cards belong to their primary's holder
PLAN_AT = {**dict.fromkeys(range(0, 3), "MOB-98"), **dict.fromkeys(range(3, 6), "MOB-SEC"),
           **dict.fromkeys(range(6, 12), "MOB-39"), **dict.fromkeys(range(12, 16), "MOB-59"),
           **dict.fromkeys(range(16, 20), "ELDER-CARD")}
AUTO_UP_AT = (0, 6)
FAMILY = ((16, 6), (16, 7), (17, 8), (18, 9))  # (elder card position, listed position)
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
SEED = 20261122


def clock() -> VirtualClock:
    return VirtualClock(parse_iso(NOW))


def _uniform(index: pl.Expr, salt: int, seed: int = SEED) -> pl.Expr:
    """A deterministic uniform number in [0, 1) per row."""
    return (index.hash(seed + salt) % 1_000_003).cast(pl.Float64) / 1_000_003


def _number(index: pl.Expr) -> pl.Expr:
    """Line i's mobile number: 13x followed by 8 digits, unique for i < 10^9."""
    return pl.format("13{}{}", (index // 100_000_000).cast(pl.Utf8),
                     (index % 100_000_000).cast(pl.Utf8).str.zfill(8))


def _id_number(birth: pl.Expr, serial: pl.Expr) -> pl.Expr:
    """A resident ID number (GB 11643: area, birth date, serial, check digit),
    unique per (birth date, serial)."""
    body = pl.format("110101{}{}", birth.dt.strftime("%Y%m%d"), serial.cast(pl.Utf8).str.zfill(3))
    total = pl.sum_horizontal([body.str.slice(i, 1).cast(pl.Int64) * weight for i, weight in enumerate(ID_WEIGHTS)])
    check = pl.lit("10X98765432").str.slice((total % 11).cast(pl.Int64), 1)
    return body + check


def line_frame(lines: int) -> pl.DataFrame:
    """One row per line: id, position in its block, holder, pool, number."""
    blocks = -(-lines // BLOCK)
    position = pl.col("index") % BLOCK
    holder_rank = pl.when(position < 6).then(position % 3).otherwise(position - 3)
    return (pl.DataFrame({"index": pl.int_range(0, blocks * BLOCK, eager=True)})
            .with_columns(id=pl.col("index") + 1, position=position,
                          customer_id=(pl.col("index") // BLOCK) * CUSTOMERS_PER_BLOCK + holder_rank + 1,
                          primary_line_id=pl.when(position.is_between(3, 5)).then(pl.col("index") - 3 + 1),
                          number=_number(pl.col("index"))))


def _customers(frame: pl.DataFrame, now: datetime) -> tuple[pl.DataFrame, pl.DataFrame]:
    holders = frame.filter(~pl.col("position").is_between(3, 5)).select("customer_id", "position", "number")
    elder = pl.col("position") >= 16
    days = pl.when(elder).then(_uniform(pl.col("customer_id"), 1) * 7300).otherwise(
        7300 + _uniform(pl.col("customer_id"), 1) * 10950).cast(pl.Int64)  # born 1940-1960, or 1960-1990
    birth = pl.lit(date(1940, 1, 1)) + pl.duration(days=days)
    # The serial counts the customers born on the same day: ID numbers stay unique while
    # fewer than 1000 share a birth date (about 60 a day for a million lines).
    frame = holders.with_columns(birth_date=birth).with_columns(
        serial=pl.col("customer_id").rank("ordinal").over("birth_date") - 1)
    return frame.select(
        id=pl.col("customer_id"), name=pl.lit("测试用户"), id_number=_id_number(pl.col("birth_date"), pl.col("serial")),
        birth_date=pl.col("birth_date"), gender=pl.when(pl.col("serial") % 2 == 0).then(pl.lit("F")).otherwise(pl.lit("M")),
        phone=pl.col("number"), province=pl.lit("江苏省"), city=pl.lit("南京市"), district=pl.lit("玄武区"),
        address=pl.lit("北京东路1号"), registration_channel=pl.lit("hall"),
        registered_at=pl.lit(now - timedelta(days=400)).dt.replace_time_zone("UTC"), vip_level=pl.lit(0),
    ), frame.select("customer_id")


def _accounts(customer_ids: pl.DataFrame, now: datetime, low: float) -> pl.DataFrame:
    u = _uniform(pl.col("customer_id"), 2)
    balance = (pl.when(u < low).then(100 + _uniform(pl.col("customer_id"), 3) * 800)
               .when(u < 2 * low).then(1_500 + _uniform(pl.col("customer_id"), 3) * 300)
               .otherwise(3_000 + _uniform(pl.col("customer_id"), 3) * 27_000)).cast(pl.Int64)
    return customer_ids.select(id=pl.col("customer_id"), customer_id=pl.col("customer_id"), balance_fen=balance,
                               created_at=pl.lit(now - timedelta(days=400)).dt.replace_time_zone("UTC"))


def _line_rows(frame: pl.DataFrame, now: datetime) -> pl.DataFrame:
    return frame.select("id", "customer_id", kind=pl.lit("mobile"), number="number", status=pl.lit("active"),
                        primary_line_id="primary_line_id",
                        activated_at=pl.lit(now - timedelta(days=300)).dt.replace_time_zone("UTC"))


def _products(frame: pl.DataFrame, versions: dict[str, int], now: datetime) -> pl.DataFrame:
    plans = frame.select(line_id="id", product_code=pl.col("position").replace_strict(PLAN_AT, return_dtype=pl.Utf8))
    packs = frame.filter(pl.col("position").is_in(AUTO_UP_AT)).select(line_id="id", product_code=pl.lit("AUTO-UP-1G"))
    rows = pl.concat([plans, packs]).sort("line_id")
    return rows.with_columns(product_version_id=pl.col("product_code").replace_strict(versions, return_dtype=pl.Int64),
                             status=pl.lit("active"),
                             started_at=pl.lit(now - timedelta(days=300)).dt.replace_time_zone("UTC"))


def _family(frame: pl.DataFrame, now: datetime) -> pl.DataFrame:
    pairs = pl.DataFrame(FAMILY, schema={"position": pl.Int64, "listed": pl.Int64}, orient="row")
    owners = frame.select("id", "index", "position").join(pairs, on="position")
    return owners.select(line_id="id", number=_number(pl.col("index") - pl.col("position") + pl.col("listed")),
                         relation=pl.lit("子女"), added_at=pl.lit(now - timedelta(days=200)).dt.replace_time_zone("UTC"))


def _latest_versions(session) -> dict[str, int]:
    rows = session.execute(select(Product.code, ProductVersion.id).join(ProductVersion)
                           .order_by(ProductVersion.effective_from))
    return {code: version_id for code, version_id in rows}


def populate(url: str, lines: int, low: float = 0.01) -> dict[str, int]:
    """Migrate a fresh database at `url`, load the demo catalog and insert
    `lines` lines (rounded up to a block of 20) with holders and accounts."""
    engine = make_engine(url)
    upgrade(engine)
    factory = make_session_factory(engine)
    now = clock().now()
    frame = line_frame(lines)
    with transaction(factory) as session:
        loader.load_file(session, clock(), loader.DEMO_CATALOG)
    with transaction(factory) as session:
        versions = _latest_versions(session)
        customers, customer_ids = _customers(frame, now)
        append_frame(session, Customer.__table__, customers)
        append_frame(session, BillingAccount.__table__, _accounts(customer_ids, now, low))
        append_frame(session, Line.__table__, _line_rows(frame, now))
        append_frame(session, LineProduct.__table__, _products(frame, versions, now))
        append_frame(session, FamilyNumber.__table__, _family(frame, now))
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:  # sequences after explicit ids, fresh statistics
            for table in ("customers", "billing_accounts", "lines"):
                connection.exec_driver_sql(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))")
            connection.exec_driver_sql("ANALYZE")
            connection.commit()
    else:
        with engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE")
            connection.commit()
    engine.dispose()
    return {"lines": frame.height, "customers": customers.height}


def records(lines: int, count: int, heavy: float = 0.01, seed: int = SEED) -> pl.DataFrame:
    """`count` raw records (ingest.COLUMNS) for the lines of `line_frame(lines)`."""
    lines = -(-lines // BLOCK) * BLOCK
    row = pl.col("row")
    line = (row.hash(seed) % lines).cast(pl.Int64)
    u_kind, u_qty, u_peer = _uniform(row, 11, seed), _uniform(row, 12, seed), _uniform(row, 13, seed)
    is_heavy = _uniform(line, 14, seed) < heavy
    kind = pl.when(u_kind < 0.40).then(pl.lit("voice")).when(u_kind < 0.55).then(pl.lit("sms")).otherwise(pl.lit("data"))
    data = (u_qty * u_qty * u_qty * 300 * 1024 ** 2 * pl.when(is_heavy).then(30).otherwise(1)).cast(pl.Int64)
    voice = (1 + u_qty * 900 * pl.when(is_heavy).then(8).otherwise(1)).cast(pl.Int64)
    span = (clock().now() - CYCLE_START).total_seconds()
    seconds = (_uniform(row, 15, seed) * span).cast(pl.Int64)
    started = (pl.lit(CYCLE_START) + pl.duration(seconds=seconds)).dt.convert_time_zone("Asia/Shanghai")
    position = line % BLOCK
    partner = (pl.when(position == 16).then(line - 10).when(position == 6).then(line + 10)
               .when(position.is_between(17, 18)).then(line - 9).when(position.is_between(8, 9)).then(line + 9))
    stranger = pl.format("139{}", (row.hash(seed + 16) % 100_000_000).cast(pl.Utf8).str.zfill(8))
    peer = (pl.when(pl.col("kind") == "data").then(None)
            .when(partner.is_not_null() & (u_peer < 0.25)).then(_number(partner)).otherwise(stranger))
    frame = pl.DataFrame({"row": pl.int_range(0, count, eager=True)}).with_columns(line=line, kind=kind)
    return frame.select(
        record_id=pl.format("R{}", row.cast(pl.Utf8).str.zfill(11)), msisdn=_number(pl.col("line")), kind="kind",
        started_at=started.dt.strftime("%Y-%m-%dT%H:%M:%S+08:00"),
        quantity=pl.when(pl.col("kind") == "data").then(data).when(pl.col("kind") == "voice").then(voice).otherwise(1),
        peer=peer)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    fill = sub.add_parser("populate", help="a fresh database with N lines")
    fill.add_argument("url")
    fill.add_argument("--lines", type=int, default=1_000_000)
    fill.add_argument("--low", type=float, default=0.01, help="share of accounts near or below the thresholds")
    write = sub.add_parser("records", help="a Parquet (or .csv) file of M records")
    write.add_argument("file", type=Path)
    write.add_argument("--lines", type=int, default=1_000_000)
    write.add_argument("--records", type=int, default=10_000_000)
    write.add_argument("--heavy", type=float, default=0.01, help="share of lines that use up their allowance")
    args = parser.parse_args()
    start = time.perf_counter()
    if args.command == "populate":
        print(populate(args.url, args.lines, args.low), f"{time.perf_counter() - start:.1f} s")
    else:
        frame = records(args.lines, args.records, args.heavy)
        args.file.parent.mkdir(parents=True, exist_ok=True)
        if args.file.suffix == ".csv":
            frame.write_csv(args.file)
        else:
            frame.write_parquet(args.file)
        print(f"{frame.height} records -> {args.file}", f"{time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
