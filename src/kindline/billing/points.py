"""Points (积分): earned on fees paid in money, spent on products that have a
points price, oldest expiry first, gone at the end of the twelfth month after
the month they were earned in (earned any day of November 2026: usable through
30 November 2027).

Points belong to the account (the customer), like the balance. A daily job
(09:00 local, inside the reminders' waking hours) takes what expired and sends
the `points_expiring` reminder when points expire within 30 days (the
reminders' configuration); the reminders service keeps it to once per expiry
date.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from kindline.billing.models import BillingAccount, PointGrant
from kindline.core import cycles
from kindline.core.bulk import chunked
from kindline.core.clock import Clock
from kindline.core.errors import Conflict
from kindline.customers.models import Line

VALID_MONTHS = 12
DAILY_AT = time(9, 0)


def expires_on(earned: date) -> date:
    """The last day of the twelfth month after the month `earned` falls in."""
    year, month = cycles.parse(cycles.shift(f"{earned.year:04d}-{earned.month:02d}", VALID_MONTHS))
    return date(year, month, calendar.monthrange(year, month)[1])


def grant_many(session: Session, clock: Clock, grants: list[tuple[int, str, int]]) -> None:
    """Grant (account id, source, points) rows, earned now."""
    now = clock.now()
    until = expires_on(clock.local(now).date())
    rows = [{"account_id": account_id, "source": source, "earned_at": now, "amount": amount, "remaining": amount,
             "expired": 0, "expires_on": until} for account_id, source, amount in grants if amount > 0]
    if rows:
        session.execute(PointGrant.__table__.insert(), rows)


def _usable(account_id: int, today: date):
    return (PointGrant.account_id == account_id, PointGrant.remaining > 0, PointGrant.expires_on >= today)


def balance(session: Session, clock: Clock, account_id: int | None) -> int:
    if account_id is None:
        return 0
    return int(session.scalar(select(func.coalesce(func.sum(PointGrant.remaining), 0))
                              .where(*_usable(account_id, clock.today()))) or 0)


@dataclass(frozen=True)
class Batch:
    """Points that expire on the same day."""

    expires_on: date
    points: int


@dataclass(frozen=True)
class PointsView:
    account_id: int | None
    balance: int
    batches: list[Batch]  # soonest first
    as_of: datetime


def view(session: Session, clock: Clock, account_id: int | None) -> PointsView:
    batches: list[Batch] = []
    if account_id is not None:
        rows = session.execute(select(PointGrant.expires_on, func.sum(PointGrant.remaining))
                               .where(*_usable(account_id, clock.today()))
                               .group_by(PointGrant.expires_on).order_by(PointGrant.expires_on))
        batches = [Batch(day, int(total)) for day, total in rows]
    return PointsView(account_id=account_id, balance=sum(b.points for b in batches), batches=batches,
                      as_of=clock.now())


def spend(session: Session, clock: Clock, account_id: int, amount: int) -> None:
    """Take points, the soonest to expire first. The account row is locked, so
    two redemptions at once cannot both spend the same points."""
    session.scalars(select(BillingAccount.id).where(BillingAccount.id == account_id).with_for_update()).one()
    grants = list(session.scalars(select(PointGrant).where(*_usable(account_id, clock.today()))
                                  .order_by(PointGrant.expires_on, PointGrant.id).with_for_update()))
    have = sum(g.remaining for g in grants)
    if have < amount:
        raise insufficient(have, amount)
    left = amount
    for grant in grants:
        if left == 0:
            break
        taken = min(grant.remaining, left)
        grant.remaining -= taken
        left -= taken
    session.flush()


def insufficient(have: int, need: int) -> Conflict:
    return Conflict("points_insufficient", f"积分不足：需要{need}积分，当前可用{have}积分。",
                    f"{need} points needed, {have} available", {"needed": need, "available": have})


def expire(session: Session, clock: Clock) -> int:
    """Take what expired before today; answers how many points went."""
    today = clock.today()
    stale = (PointGrant.expires_on < today, PointGrant.remaining > 0)
    total = int(session.scalar(select(func.coalesce(func.sum(PointGrant.remaining), 0)).where(*stale)) or 0)
    if total:
        session.execute(update(PointGrant).where(*stale)
                        .values(expired=PointGrant.expired + PointGrant.remaining, remaining=0)
                        .execution_options(synchronize_session=False))
    return total


def holder_line(session: Session, customer_id: int) -> Line | None:
    """Where a customer's SMS goes: their first mobile line in service that is
    not a secondary card, else their first line in service."""
    candidates = list(session.scalars(select(Line).where(Line.customer_id == customer_id, Line.status != "cancelled")
                                      .order_by(Line.id)))
    own = [ln for ln in candidates if ln.kind == "mobile" and ln.primary_line_id is None]
    return (own or candidates or [None])[0]


def remind_expiring(session: Session, clock: Clock) -> int:
    """积分即将到期: one reminder per account and expiry date, once points
    expire within the reminders' notice days (30 by default); answers how many
    reminders were made now."""
    from kindline.reminders import rules
    from kindline.reminders import service as reminders

    today = clock.today()
    notice_days = rules.current().points_notice_days
    rows = session.execute(select(PointGrant.account_id, PointGrant.expires_on, func.sum(PointGrant.remaining))
                           .where(PointGrant.remaining > 0, PointGrant.expires_on >= today,
                                  PointGrant.expires_on <= today + timedelta(days=notice_days))
                           .group_by(PointGrant.account_id, PointGrant.expires_on)
                           .order_by(PointGrant.account_id, PointGrant.expires_on)).all()
    customers = {account_id: customer_id for part in chunked({r[0] for r in rows}) for account_id, customer_id in
                 session.execute(select(BillingAccount.id, BillingAccount.customer_id)
                                 .where(BillingAccount.id.in_(part)))}
    made = 0
    for account_id, day, total in rows:
        line = holder_line(session, customers[account_id])
        if line is None:
            continue
        cycle = f"{day.year:04d}-{day.month:02d}"  # the month they expire in: once per expiry date
        if reminders.notify(session, clock, line, "points_expiring", cycle=cycle,
                            params={"expires_on": day.isoformat(), "points": int(total)}) is not None:
            made += 1
    return made


def next_daily_run(clock: Clock, after: datetime) -> datetime:
    """The next 09:00 local strictly after `after`."""
    local = clock.local(after)
    moment = datetime.combine(local.date(), DAILY_AT, tzinfo=clock.tz)
    return moment if moment > local else datetime.combine(local.date() + timedelta(days=1), DAILY_AT, tzinfo=clock.tz)
