"""Bulk postings: many accounts charged in one statement per step.

Usage rating moves thousands of balances per batch; going through `post` one
account at a time would cost a round trip each. The rules stay the same: the
accounts are locked first (in id order, so concurrent raters cannot deadlock),
each gets one ledger entry with its balance after, and every balance that
moved is handed to the arrears rules exactly as `post` does.

Rating needs an account's id long before it needs its balance (most records
fall within the allowance and charge nothing), so finding the accounts and
locking them are two steps: a batch locks only the accounts it charges.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from kindline.billing import service
from kindline.billing.models import BillingAccount, LedgerEntry
from kindline.core.bulk import append_frame, in_values, update_frame
from kindline.core.clock import Clock
from kindline.customers.models import Customer


@dataclass(frozen=True)
class LockedAccount:
    account_id: int
    customer_id: int
    balance_fen: int
    credit_fen: int


def account_ids(session: Session, clock: Clock, customer_ids: set[int]) -> dict[int, int]:
    """customer id -> account id for the customers, creating missing accounts
    (rare: once per customer); locks nothing."""
    found = dict(session.execute(select(BillingAccount.customer_id, BillingAccount.id)
                                 .where(in_values(session, BillingAccount.customer_id, customer_ids))).all())
    for customer_id in sorted(customer_ids - found.keys()):
        found[customer_id] = service.account_for(session, clock, customer_id).id
    return found


def lock(session: Session, ids: set[int]) -> dict[int, LockedAccount]:
    """The accounts (by id), locked for this transaction in id order, with
    their balance and credit line as they stand under the lock."""
    rows = session.execute(
        select(BillingAccount.id, BillingAccount.customer_id, BillingAccount.balance_fen, Customer.vip_level)
        .join(Customer, Customer.id == BillingAccount.customer_id)
        .where(in_values(session, BillingAccount.id, ids))
        .order_by(BillingAccount.id).with_for_update(of=BillingAccount))
    return {account_id: LockedAccount(account_id, customer_id, balance, service.credit_limit(vip))
            for account_id, customer_id, balance, vip in rows}


def post_many(session: Session, clock: Clock, kind: str, amounts: dict[int, int], *, reference: str,
              actor: str = "system") -> dict[int, int]:
    """Lock the accounts (id -> signed amount) and move each by its amount;
    answers the balances after. Zero amounts are skipped. The arrears rules
    run only for the accounts whose move can change something (see
    `arrears.may_act`)."""
    if kind not in service.LEDGER_KINDS:
        raise ValueError(f"unknown ledger kind {kind!r}")
    amounts = {account_id: amount for account_id, amount in amounts.items() if amount}
    if not amounts:
        return {}
    locked = lock(session, set(amounts))
    after = {account_id: locked[account_id].balance_fen + amount for account_id, amount in amounts.items()}
    ids = sorted(after)
    moved = pl.DataFrame({"id": ids, "balance_fen": [after[account_id] for account_id in ids]},
                         schema={"id": pl.Int64, "balance_fen": pl.Int64})
    update_frame(session, BillingAccount.__table__, moved, key=("id",))
    append_frame(session, LedgerEntry.__table__, moved.select(
        account_id="id", kind=pl.lit(kind), amount_fen=pl.Series([amounts[account_id] for account_id in ids]),
        balance_after_fen="balance_fen", at=pl.lit(clock.now()).dt.replace_time_zone("UTC"),
        reference=pl.lit(reference), actor=pl.lit(actor)))
    session.expire_all()  # ORM copies of these accounts are stale now
    from kindline.billing import arrears

    for account_id in ids:
        before = locked[account_id].balance_fen
        if arrears.may_act(before, after[account_id], locked[account_id].credit_fen):
            account = session.get(BillingAccount, account_id)
            arrears.balance_moved(session, clock, account, before, after[account_id])
    return after
