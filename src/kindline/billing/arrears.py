"""Arrears (欠费) and what follows a balance move: the low-balance reminders,
the warning and the suspension 24 hours later, restoring on payment, and the
1-hour reopen (绿色开机).

A balance belongs to the customer's account, so arrears suspend every open
line of the holder, and a payment that ends them resumes every line suspended
for arrears. Both deadlines are durable timers (core/timers.py), so they
survive restarts and fire once: "arrears.suspend" keyed by account and
"arrears.resuspend" keyed by line, each key stamped with the moment it was set
so that a second episode in the same month gets its own timer. A reopen is
recorded by its resuspend timer (created_at is when it was asked for), which is
what "once in 24 hours" counts.

Lock order, everywhere: the account row first (as `service.post` takes it),
then lines. So a payment and a firing timer, or a payment and a reopen, never
interleave.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kindline.billing.models import BillingAccount
from kindline.core import cycles, timers
from kindline.core.clock import Clock
from kindline.core.errors import Conflict, Invalid
from kindline.customers import lines
from kindline.customers.models import Customer, Line
from kindline.reminders import rules
from kindline.reminders import service as reminders

SUSPEND = "arrears.suspend"  # key "<account id>:<stamp>", payload {"account_id"}
RESUSPEND = "arrears.resuspend"  # key "<line id>:<stamp>", payload {"line_id", "channel", "actor"}
REOPEN_CHANNELS = {"hotline": "客服热线", "sms": "短信营业厅", "online": "网上营业厅", "app": "掌上营业厅",
                   "hall": "营业厅"}


def _billing():
    # billing.service calls balance_moved from `post`, so it is imported when used, not at load
    from kindline.billing import service

    return service


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%S%f")


def _pending(session: Session, kind: str, owner_id: int) -> list[timers.Timer]:
    return list(session.scalars(select(timers.Timer).where(
        timers.Timer.kind == kind, timers.Timer.key.like(f"{owner_id}:%"), timers.Timer.fired_at.is_(None),
        timers.Timer.cancelled_at.is_(None)).order_by(timers.Timer.due_at)))


def _locked_account(session: Session, account_id: int) -> BillingAccount:
    return session.scalars(select(BillingAccount).where(BillingAccount.id == account_id)
                           .with_for_update().execution_options(populate_existing=True)).one()


def _held(customer: Customer) -> list[Line]:
    return [line for line in customer.lines if line.status != "cancelled"]


def _first_mobile(held: list[Line], statuses: tuple[str, ...]) -> Line | None:
    return next((line for line in held if line.kind == "mobile" and line.status in statuses), None)


def _contact(held: list[Line]) -> Line | None:
    """Where arrears notices go: the first mobile line, suspended or not; else
    any open line (its reminder goes to the holder's contact phone)."""
    return _first_mobile(held, ("active", "suspended")) or (held[0] if held else None)


def _in_arrears(session: Session, account: BillingAccount, balance_fen: int) -> bool:
    service = _billing()
    customer = session.get(Customer, account.customer_id)
    return service.in_arrears(balance_fen, service.credit_limit(customer.vip_level))


def may_act(before_fen: int, after_fen: int, credit_fen: int) -> bool:
    """Whether `balance_moved` can do anything for this move, given the
    account's credit: a reminder threshold crossed either way, or the account
    entering or leaving arrears. Bulk postings ask first, so an account that
    stays in arrears (or clear of every threshold) is never loaded."""
    if before_fen == after_fen:
        return False
    crossed = any(after_fen < t <= before_fen or before_fen < t <= after_fen
                  for t in rules.current().balance_thresholds_fen)
    service = _billing()
    return crossed or service.in_arrears(before_fen, credit_fen) != service.in_arrears(after_fen, credit_fen)


def balance_moved(session: Session, clock: Clock, account: BillingAccount, before_fen: int, after_fen: int) -> None:
    """The reminders and arrears steps a balance move from `before_fen` to
    `after_fen` calls for. Runs for every posting: it answers at once unless a
    threshold is crossed or the balance is negative (credit is never below 0)."""
    if before_fen == after_fen:
        return
    config = rules.current()
    falling = sorted((t for t in config.balance_thresholds_fen if after_fen < t <= before_fen), reverse=True)
    rising = [t for t in config.balance_thresholds_fen if before_fen < t <= after_fen]
    if not falling and not rising and min(before_fen, after_fen) >= 0:
        return
    customer = session.get(Customer, account.customer_id)
    service = _billing()
    credit = service.credit_limit(customer.vip_level)
    was, now = service.in_arrears(before_fen, credit), service.in_arrears(after_fen, credit)
    cycle = cycles.current(clock)
    held = _held(customer)
    for threshold in rising:
        reminders.rearm(session, clock, [line.id for line in held], "balance_below", cycle=cycle,
                        params={"threshold_fen": threshold})
    if falling and (line := _first_mobile(held, ("active",))) is not None:
        for threshold in falling:  # every one crossed, however the postings were batched: 15 then 5
            reminders.notify(session, clock, line, "balance_below", cycle=cycle,
                             params={"threshold_fen": threshold, "balance_fen": after_fen})
    if now and not was:
        _fell_into_arrears(session, clock, account, held, after_fen, cycle)
    elif was and not now:
        _left_arrears(session, clock, account, held, after_fen, cycle)


def _fell_into_arrears(session: Session, clock: Clock, account: BillingAccount, held: list[Line], balance_fen: int,
                       cycle: str) -> None:
    """Warn, and set the suspension 24 hours after the warning reaches the
    subscriber (a warning held back for the night does not shorten the day)."""
    reminders.rearm(session, clock, [line.id for line in held], "restored", cycle=cycle)
    now = clock.now()
    due = reminders.next_allowed(clock, now) + rules.current().suspend_after
    timers.schedule(session, clock, SUSPEND, f"{account.id}:{_stamp(now)}", due, {"account_id": account.id})
    line = _contact(held)
    if line is not None:
        reminders.notify(session, clock, line, "arrears_warning", cycle=cycle,
                         params={"balance_fen": balance_fen, "suspend_at": due.isoformat()})


def _left_arrears(session: Session, clock: Clock, account: BillingAccount, held: list[Line], balance_fen: int,
                  cycle: str) -> None:
    """Restore: no suspension, every line suspended for arrears resumed, no
    reopen hour left to end, and the arrears reminders armed for next time."""
    now = clock.now()
    for timer in _pending(session, SUSPEND, account.id):
        timer.cancelled_at = now
    for line in held:
        if line.status == "suspended" and line.suspend_reason == "arrears":
            lines.resume(line)
        for timer in _pending(session, RESUSPEND, line.id):
            timer.cancelled_at = now
    ids = [line.id for line in held]
    for kind in ("arrears_warning", "suspended"):
        reminders.rearm(session, clock, ids, kind, cycle=cycle)
    line = _contact(held)
    if line is not None:
        reminders.notify(session, clock, line, "restored", cycle=cycle, params={"balance_fen": balance_fen})


def _suspend_due(session: Session, clock: Clock, timer: timers.Timer) -> None:
    """The 24 hours are over: suspend the holder's active lines if still in arrears."""
    account = _locked_account(session, timer.payload["account_id"])
    if not _in_arrears(session, account, account.balance_fen):
        return
    held = _held(session.get(Customer, account.customer_id))
    suspended = [line for line in held if line.status == "active"]
    for line in suspended:
        lines.suspend(line, "arrears")
    contact = _contact(held)
    if suspended and contact is not None:
        reminders.notify(session, clock, contact, "suspended", cycle=cycles.current(clock))


def _reopen_over(session: Session, clock: Clock, timer: timers.Timer) -> None:
    """The reopen hour is over: suspend the line again if still in arrears."""
    line = session.get(Line, timer.payload["line_id"])
    account = _billing().find_account(session, line.customer_id) if line is not None else None
    if account is None:
        return
    account = _locked_account(session, account.id)
    session.refresh(line)
    if line.status != "active" or not _in_arrears(session, account, account.balance_fen):
        return
    lines.suspend(line, "arrears")
    reminders.notify(session, clock, line, "suspended", cycle=cycles.current(clock))


def install() -> None:
    timers.register(SUSPEND, _suspend_due)
    timers.register(RESUSPEND, _reopen_over)


def reopen(session: Session, clock: Clock, line: Line, *, channel: str, actor: str) -> datetime:
    """绿色开机: open a line suspended for arrears for an hour, so the subscriber
    can still call for help or pay; at most once in 24 hours. Answers when the
    hour ends (the line is suspended again then, unless paid)."""
    if channel not in REOPEN_CHANNELS:
        raise Invalid("invalid_channel", "申请渠道不正确。", f"unknown reopen channel {channel!r}",
                      {"known": list(REOPEN_CHANNELS)})
    config = rules.current()
    account = _billing().find_account(session, line.customer_id)
    if account is not None:
        _locked_account(session, account.id)
    session.refresh(line, with_for_update=True)
    if line.status != "suspended" or line.suspend_reason != "arrears":
        raise Conflict("not_suspended_for_arrears", "该号码不是欠费停机状态，无需申请临时开机。",
                       f"line {line.id} is {line.status} ({line.suspend_reason or 'no reason'})",
                       {"status": line.status, "suspend_reason": line.suspend_reason})
    now = clock.now()
    last = session.scalar(select(timers.Timer).where(
        timers.Timer.kind == RESUSPEND, timers.Timer.key.like(f"{line.id}:%"),
        timers.Timer.created_at > now - config.reopen_once_per).order_by(timers.Timer.created_at.desc()).limit(1))
    if last is not None:
        next_at = last.created_at + config.reopen_once_per
        hours = int(config.reopen_once_per.total_seconds() // 3600)
        raise Conflict("reopen_used", f"{hours}小时内只能申请一次临时开机，请于{rules.local_time_text(next_at, clock.tz)}"
                       "后再申请，或缴费后自动恢复。", f"line {line.id} was reopened at {last.created_at.isoformat()}",
                       {"next_at": next_at.isoformat()})
    until = now + config.reopen_for
    lines.resume(line)
    timers.schedule(session, clock, RESUSPEND, f"{line.id}:{_stamp(now)}", until,
                    {"line_id": line.id, "channel": channel, "actor": actor})
    reminders.rearm(session, clock, [line.id], "suspended", cycle=cycles.current(clock))
    return until


def reopen_message(clock: Clock, until: datetime) -> str:
    """What every channel tells the subscriber after a reopen."""
    return (f"已为您临时开机，{rules.local_time_text(until, clock.tz)}前可正常通话。"
            "如仍未缴费，届时将再次停机；缴费后自动恢复。")


def reopened_until(session: Session, line: Line) -> datetime | None:
    """When the line's reopen hour ends, while it lasts."""
    if line.status != "active":
        return None
    pending = _pending(session, RESUSPEND, line.id)
    return pending[-1].due_at if pending else None


def suspends_at(session: Session, account_id: int | None) -> datetime | None:
    """When the holder's lines will be suspended unless paid, while arrears last."""
    if account_id is None:
        return None
    pending = _pending(session, SUSPEND, account_id)
    return pending[0].due_at if pending else None


def standing(clock: Clock, line: Line, reopened_until: datetime | None,
             suspends_at: datetime | None) -> tuple[str, str]:
    """Where the line stands, as a code and in words for people."""
    if reopened_until is not None:
        return "reopened", f"临时开机至{rules.local_time_text(reopened_until, clock.tz)}"
    if line.status == "suspended":
        return "suspended", "欠费停机" if line.suspend_reason == "arrears" else "停机"
    if line.status == "cancelled":
        return "cancelled", "已销户"
    if suspends_at is not None:
        return "active", f"已欠费，{rules.local_time_text(suspends_at, clock.tz)}将停机"
    return "active", "正常"
