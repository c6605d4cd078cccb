"""VIP levels by spend: the level a subscriber's last twelve months of money
earns. A level set by staff stands (it records a judgement, such as a key
account); the rules only move levels they set themselves."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kindline.billing.models import BillingAccount, Payment
from kindline.core.clock import Clock
from kindline.core.money import yuan
from kindline.customers import service as customers

# (level, yuan received in the last 12 months), highest first.
SPEND_LEVELS = ((7, 30000), (6, 20000), (5, 12000), (4, 8000), (3, 5000), (2, 3000), (1, 1500))
WINDOW = timedelta(days=365)


def level_for(spend_fen: int) -> int:
    return next((level for level, floor in SPEND_LEVELS if spend_fen >= floor * 100), 0)


def apply_spend_rules(session: Session, clock: Clock) -> int:
    """Recompute every rule-set level from posted payments; returns how many changed."""
    since = clock.now() - WINDOW
    spend = {customer_id: int(total) for customer_id, total in session.execute(
        select(BillingAccount.customer_id, func.coalesce(func.sum(Payment.amount_fen), 0))
        .join(Payment, Payment.account_id == BillingAccount.id)
        .where(Payment.status == "posted", Payment.received_at >= since)
        .group_by(BillingAccount.customer_id))}  # PostgreSQL sums to Decimal
    changed = 0
    for customer in customers.vip_set_by_rules(session):
        level = level_for(spend.get(customer.id, 0))
        if level != customer.vip_level:
            customers.set_vip_level(session, clock, customer, level, actor=None, source="spend",
                                    reason=f"近12个月缴费{yuan(spend.get(customer.id, 0))}元")
            changed += 1
    return changed
