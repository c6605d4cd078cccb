"""Accounts and the ledger: one prepaid account per customer, created on first
need; every balance change is a ledger entry written by `post`, so the balance
is always the sum of the ledger. Credit comes from the VIP level.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kindline.billing import arrears
from kindline.billing.models import BillingAccount, LedgerEntry
from kindline.catalog.models import LINE_KINDS
from kindline.core.auth.principal import Principal
from kindline.core.clock import Clock
from kindline.core.errors import Conflict, Invalid, not_found
from kindline.customers import lines
from kindline.customers import service as customers
from kindline.customers.models import Line
from kindline.customers.phone import is_mobile, normalize_mobile

# Credit line (fen) granted by VIP level: a line is in arrears when its balance
# is below minus this. Configuration; nothing is granted by default.
CREDIT_BY_VIP_LEVEL: dict[int, int] = {level: 0 for level in range(8)}

# payment and reversal (money in and back out), fee (monthly fees at the cycle
# start), usage (rated usage: overage and auto-upgrade packs), points (a
# product bought with points costs no money: never posted), adjustment (staff).
LEDGER_KINDS = ("payment", "reversal", "fee", "usage", "adjustment")


@dataclass(frozen=True)
class BalanceView:
    """What a line's holder has, and where the line stands: reopened for an
    hour until when, suspended when unless paid, its allowances this cycle."""

    line: Line
    account_id: int | None
    balance_fen: int
    credit_fen: int
    as_of: datetime
    reopened_until: datetime | None = None
    suspends_at: datetime | None = None
    allowances: tuple = ()  # usage.service.Allowance, one per kind
    status: str = "active"  # active, reopened, suspended, cancelled
    status_text: str = "正常"

    @property
    def in_arrears(self) -> bool:
        return in_arrears(self.balance_fen, self.credit_fen)


def in_arrears(balance_fen: int, credit_fen: int) -> bool:
    return balance_fen < -credit_fen


def credit_limit(vip_level: int) -> int:
    return CREDIT_BY_VIP_LEVEL.get(vip_level, 0)


def line_by_msisdn(session: Session, msisdn: str) -> Line:
    """The line with this number: a mobile number in any usual spelling (+86,
    spaces, full width), or the account number of a broadband, fixed or TV line."""
    text = (msisdn or "").strip()
    line = None
    if is_mobile(text):
        line = lines.by_number(session, normalize_mobile(text), "mobile")
    elif text:
        line = next((found for kind in LINE_KINDS if kind != "mobile"
                     if (found := lines.by_number(session, text, kind)) is not None), None)
    if line is None:
        raise not_found("line", "号码/业务", text)
    return line


def line_for(session: Session, principal: Principal, msisdn: str, permission: str) -> Line:
    """The line, when the caller may act on it (staff without the permission
    are refused before the number is even looked up)."""
    if principal.is_staff:
        principal.require(permission)
    line = line_by_msisdn(session, msisdn)
    principal.require_customer(line.customer_id, permission)
    return line


def require_open(line: Line) -> None:
    if line.status == "cancelled":
        raise Conflict("line_cancelled", "该号码已销户，不能缴费或充值。", f"line {line.id} is cancelled")


def find_account(session: Session, customer_id: int) -> BillingAccount | None:
    return session.scalar(select(BillingAccount).where(BillingAccount.customer_id == customer_id))


def account_for(session: Session, clock: Clock, customer_id: int) -> BillingAccount:
    """The customer's account, created on first need (also when two requests
    need it at the same moment: the loser of the insert uses the winner's)."""
    account = find_account(session, customer_id)
    if account is not None:
        return account
    customers.get(session, customer_id)
    account = BillingAccount(customer_id=customer_id, balance_fen=0, created_at=clock.now())
    try:
        with session.begin_nested():
            session.add(account)
            session.flush()
    except IntegrityError:
        winner = find_account(session, customer_id)
        if winner is None:
            raise
        return winner
    return account


def post(session: Session, clock: Clock, account: BillingAccount, kind: str, amount_fen: int, *,
         reference: str, actor: str, line_id: int | None = None) -> LedgerEntry:
    """The one way a balance changes: lock the account row, move the balance,
    write the entry with the balance after it, then let the arrears rules see
    the move (low-balance reminders, suspension, restore) in the same transaction."""
    if kind not in LEDGER_KINDS:
        raise Invalid("invalid_ledger_kind", "账务类型不正确。", f"unknown ledger kind {kind!r}")
    locked = session.scalars(select(BillingAccount).where(BillingAccount.id == account.id)
                             .with_for_update().execution_options(populate_existing=True)).one()
    before = locked.balance_fen
    locked.balance_fen += amount_fen
    entry = LedgerEntry(account_id=locked.id, kind=kind, amount_fen=amount_fen, balance_after_fen=locked.balance_fen,
                        at=clock.now(), reference=reference, line_id=line_id, actor=actor)
    session.add(entry)
    session.flush()
    arrears.balance_moved(session, clock, locked, before, locked.balance_fen)
    return entry


def ledger_total(session: Session, account_id: int) -> int:
    return session.scalar(select(func.coalesce(func.sum(LedgerEntry.amount_fen), 0))
                          .where(LedgerEntry.account_id == account_id)) or 0


def ledger(session: Session, account_id: int) -> list[LedgerEntry]:
    return list(session.scalars(select(LedgerEntry).where(LedgerEntry.account_id == account_id)
                                .order_by(LedgerEntry.id)))


def balance_of(session: Session, clock: Clock, line: Line) -> BalanceView:
    """The balance of the line's holder; reading creates nothing (no account yet
    reads as a zero balance)."""
    from kindline.usage import service as usage  # usage rating posts through this module: import when used

    customer = customers.get(session, line.customer_id)
    account = find_account(session, customer.id)
    account_id = account.id if account else None
    reopened_until, suspends_at = arrears.reopened_until(session, line), arrears.suspends_at(session, account_id)
    status, status_text = arrears.standing(clock, line, reopened_until, suspends_at)
    return BalanceView(line=line, account_id=account_id, balance_fen=account.balance_fen if account else 0,
                       credit_fen=credit_limit(customer.vip_level), as_of=clock.now(),
                       reopened_until=reopened_until, suspends_at=suspends_at,
                       allowances=tuple(usage.allowances(session, clock, line)), status=status,
                       status_text=status_text)
