"""Bulk postings: many accounts charged in one statement per step.

Usage rating moves thousands of balances per batch; going through `post` one
account at a time would cost a round trip each. The rules stay the same: the
accounts are locked first (in id order, so concurrent raters cannot deadlock),
each gets one ledger entry with its balance after, and every balance that
moved is handed to the arrears rules exactly as `post` does.
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


def lock_accounts(session: Session, clock: Clock, customer_ids: set[int]) -> dict[int, LockedAccount]:
    """The customers' accounts (created when missing), locked for this
    transaction; keyed by customer id."""
    rows = _locked_rows(session, customer_ids)
    missing = customer_ids - {customer_id for _a, customer_id, _b, _v in rows}
    if missing:  # rare: created once, then read again under the lock
        for customer_id in sorted(missing):
            service.account_for(session, clock, customer_id)
        rows = _locked_rows(session, customer_ids)
    return {customer_id: LockedAccount(account_id, customer_id, balance, service.credit_limit(vip))
            for account_id, customer_id, balance, vip in rows}


def _locked_rows(session: Session, customer_ids: set[int]) -> list[tuple[int, int, int, int]]:
    return list(session.execute(
        select(BillingAccount.id, BillingAccount.customer_id, BillingAccount.balance_fen, Customer.vip_level)
        .join(Customer, Customer.id == BillingAccount.customer_id)
        .where(in_values(session, BillingAccount.customer_id, customer_ids))
        .order_by(BillingAccount.id).with_for_update(of=BillingAccount)))


def post_many(session: Session, clock: Clock, kind: str, amounts: dict[int, int], balances: dict[int, int], *,
              reference: str, actor: str = "system", credits: dict[int, int] | None = None) -> dict[int, int]:
    """Move each locked account (id -> signed amount) from its balance in
    `balances`; answers the balances after. Zero amounts are skipped. With the
    accounts' `credits` (as lock_accounts found them), the arrears rules run
    only for the accounts whose move can change something (see `arrears.may_act`)."""
    if kind not in service.LEDGER_KINDS:
        raise ValueError(f"unknown ledger kind {kind!r}")
    after = {account_id: balances[account_id] + amount for account_id, amount in amounts.items() if amount}
    if not after:
        return {}
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
        before = balances[account_id]
        if credits is None or arrears.may_act(before, after[account_id], credits[account_id]):
            account = session.get(BillingAccount, account_id)
            arrears.balance_moved(session, clock, account, before, after[account_id])
    return after
