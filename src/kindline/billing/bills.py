"""Bills (账单) and detailed records (详单).

A bill is computed from the ledger, never stored: per account and cycle, the
opening balance (the balance after the last entry before the cycle began),
the money in and out by kind inside the cycle, and the closing balance (after
the last entry before it ended). It always closes:
    opening + payments - reversals - fees - usage + adjustments = closing.
The fee lines come from the fee table (zero fees included, with why), the
usage breakdown by kind from the usage service.

Detailed records are the line's rated usage in a cycle, the current holder's
only (a line that changed hands does not show the former holder's calls),
paged, or as CSV for a spreadsheet: local time, masked peer, quantity in
human units, charge in yuan.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kindline.billing import service
from kindline.billing.fees import BASIS_NAMES
from kindline.billing.models import Fee, LedgerEntry
from kindline.catalog.models import ProductVersion
from kindline.core import cycles
from kindline.core.clock import Clock
from kindline.core.errors import Invalid
from kindline.core.masking import mask_phone
from kindline.core.money import yuan
from kindline.core.pagination import PageParams, paginate
from kindline.customers.models import Line
from kindline.usage import service as usage
from kindline.usage.models import KIND_NAMES_ZH, USAGE_KINDS, UsageRecord

MAX_PAGE_SIZE = 200


@dataclass(frozen=True)
class FeeLine:
    line_id: int
    number: str
    product_code: str
    name: str
    list_price_fen: int
    amount_fen: int
    basis: str
    basis_name: str
    points_earned: int
    charged_at: datetime


@dataclass(frozen=True)
class Bill:
    account_id: int | None
    cycle: str
    starts_at: datetime
    ends_at: datetime
    closed: bool  # the cycle is over; an open cycle's bill is "so far"
    opening_fen: int
    payments_fen: int
    reversals_fen: int  # payments taken back (冲正), as a positive amount
    fees_fen: int
    usage_fen: int
    usage_by_kind: dict[str, int]
    adjustments_fen: int  # signed
    closing_fen: int
    fee_lines: list[FeeLine]
    points_earned: int


def check_cycle(clock: Clock, cycle: str) -> str:
    cycles.parse(cycle)
    if cycle > cycles.current(clock):
        raise Invalid("cycle_in_future", "该账期尚未开始。", f"cycle {cycle} has not begun")
    return cycle


def last_closed(clock: Clock) -> str:
    return cycles.previous(cycles.current(clock))


def _balance_before(session: Session, account_id: int, moment: datetime) -> int | None:
    return session.scalar(select(LedgerEntry.balance_after_fen)
                          .where(LedgerEntry.account_id == account_id, LedgerEntry.at < moment)
                          .order_by(LedgerEntry.at.desc(), LedgerEntry.id.desc()).limit(1))


def bill_for(session: Session, clock: Clock, account_id: int | None, cycle: str) -> Bill:
    check_cycle(clock, cycle)
    start, end = cycles.bounds(clock, cycle)
    closed = clock.now() >= end
    if account_id is None:
        return Bill(None, cycle, start, end, closed, 0, 0, 0, 0, 0, dict.fromkeys(USAGE_KINDS, 0), 0, 0, [], 0)
    opening = _balance_before(session, account_id, start) or 0
    by_kind = {kind: int(total) for kind, total in session.execute(
        select(LedgerEntry.kind, func.sum(LedgerEntry.amount_fen))
        .where(LedgerEntry.account_id == account_id, LedgerEntry.at >= start, LedgerEntry.at < end)
        .group_by(LedgerEntry.kind))}
    closing = _balance_before(session, account_id, end)
    fee_lines = _fee_lines(session, account_id, start, end)
    return Bill(account_id=account_id, cycle=cycle, starts_at=start, ends_at=end, closed=closed,
                opening_fen=opening, payments_fen=by_kind.get("payment", 0), reversals_fen=-by_kind.get("reversal", 0),
                fees_fen=-by_kind.get("fee", 0), usage_fen=-by_kind.get("usage", 0),
                usage_by_kind=usage.charges_by_kind(session, account_id, cycle),
                adjustments_fen=by_kind.get("adjustment", 0), closing_fen=opening if closing is None else closing,
                fee_lines=fee_lines, points_earned=sum(f.points_earned for f in fee_lines))


def _fee_lines(session: Session, account_id: int, start: datetime, end: datetime) -> list[FeeLine]:
    rows = session.execute(select(Fee, Line.number, Line.kind, ProductVersion.name)
                           .join(Line, Line.id == Fee.line_id)
                           .join(ProductVersion, ProductVersion.id == Fee.product_version_id)
                           .where(Fee.account_id == account_id, Fee.charged_at >= start, Fee.charged_at < end)
                           .order_by(Fee.line_id, Fee.id))
    return [FeeLine(line_id=fee.line_id, number=mask_phone(number) if kind == "mobile" else number,
                    product_code=fee.product_code, name=name, list_price_fen=fee.list_price_fen,
                    amount_fen=fee.amount_fen, basis=fee.basis, basis_name=BASIS_NAMES[fee.basis],
                    points_earned=fee.points_earned, charged_at=fee.charged_at) for fee, number, kind, name in rows]


# --- detailed records -------------------------------------------------------------------------------

def records_query(session: Session, clock: Clock, line: Line, cycle: str, kind: str | None = None):
    """The line's records in the cycle, the current holder's only, oldest first."""
    check_cycle(clock, cycle)
    if kind is not None and kind not in USAGE_KINDS:
        raise Invalid("invalid_usage_kind", "详单类型不正确，可选：通话、短信、流量。", f"unknown usage kind {kind!r}",
                      {"known": list(USAGE_KINDS)})
    account = service.find_account(session, line.customer_id)
    return usage.records_query(line.id, cycle, kind).where(UsageRecord.account_id == (account.id if account else -1))


def records_page(session: Session, clock: Clock, line: Line, cycle: str, kind: str | None, page: int,
                 size: int) -> tuple[list[UsageRecord], int]:
    if page < 1 or not 1 <= size <= MAX_PAGE_SIZE:
        raise Invalid("invalid_page", f"页码从1开始，每页1到{MAX_PAGE_SIZE}条。", "page >= 1, size 1..200")
    stmt = records_query(session, clock, line, cycle, kind)
    return paginate(session, stmt, PageParams(limit=size, offset=(page - 1) * size))


def duration_text(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}小时{minutes:02d}分{secs:02d}秒"
    return f"{minutes}分{secs:02d}秒" if minutes else f"{secs}秒"


def data_text(size: int) -> str:
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:.2f}{unit}"
    return f"{size}B"


def quantity_text(kind: str, quantity: int) -> str:
    return {"voice": duration_text, "sms": lambda n: f"{n}条", "data": data_text}[kind](quantity)


@dataclass(frozen=True)
class RecordRow:
    """One record as people read it."""

    started_at: datetime
    local_time: str
    kind: str
    kind_name: str
    peer: str
    quantity: int
    quantity_text: str
    free: bool
    charge_fen: int
    charge_yuan: str

    @classmethod
    def of(cls, clock: Clock, record: UsageRecord) -> RecordRow:
        return cls(started_at=record.started_at,
                   local_time=clock.local(record.started_at).strftime("%Y-%m-%d %H:%M:%S"),
                   kind=record.kind, kind_name=KIND_NAMES_ZH[record.kind],
                   peer=mask_phone(record.peer) if record.peer else "", quantity=record.quantity,
                   quantity_text=quantity_text(record.kind, record.quantity), free=record.free,
                   charge_fen=record.charge_fen, charge_yuan=yuan(record.charge_fen))


CSV_HEADER = ("时间(time)", "类型(kind)", "对方号码(peer)", "用量(quantity)", "亲情号免费(free)", "费用元(charge_yuan)")


def _cell(text: str) -> str:
    """Nothing a spreadsheet would run as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def records_csv(session: Session, clock: Clock, line: Line, cycle: str, kind: str | None = None) -> str:
    """The cycle's records as CSV with a BOM (spreadsheets then read the Chinese)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    stmt = records_query(session, clock, line, cycle, kind).execution_options(yield_per=1000)
    for record in session.scalars(stmt):
        row = RecordRow.of(clock, record)
        writer.writerow([row.local_time, row.kind_name, _cell(row.peer), row.quantity_text,
                         "是" if row.free else "否", row.charge_yuan])
    return out.getvalue()
