"""Tests of the demo operator. Shared helpers live here: a small load and a
digest of everything the generator makes, by natural keys (never row ids), so
two databases, even SQLite against PostgreSQL, can be compared."""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import aliased

from kindline.billing.models import BillingAccount, Fee, Payment
from kindline.customers.models import (
    CareArchive,
    Customer,
    FamilyNumber,
    Line,
    LineProduct,
    LocationConsent,
    PriorityGroup,
)
from kindline.demo.loader import load_demo
from kindline.orders.models import Order

SMALL = 120  # subscribers of the shared population: enough for every rule, quick to load
FEW = 50  # for tests that load on their own (the CLI's minimum)
SEED = 20261122


def load_small(runtime, subscribers: int = SMALL, seed: int = SEED) -> tuple[str, list[str]]:
    said: list[str] = []
    summary = load_demo(runtime, seed=seed, subscribers=subscribers, progress=said.append)
    return summary, said


def digest(sessions) -> str:
    """A fingerprint of subscribers, lines, products, family numbers, consents,
    segments, orders, and the money: payments, fees and balances."""
    owner, primary = aliased(Customer), aliased(Line)
    queries = [
        select(Customer.id_number, Customer.name, Customer.phone, Customer.city, Customer.district, Customer.address,
               Customer.registration_channel, Customer.registered_at, Customer.vip_level),
        select(owner.id_number, Line.kind, Line.number, Line.status, primary.number, Line.service_address,
               Line.stb_serial, Line.tv_authorization, Line.activated_at)
        .join(owner, owner.id == Line.customer_id).outerjoin(primary, primary.id == Line.primary_line_id),
        select(Line.number, LineProduct.product_code, LineProduct.status, LineProduct.started_at)
        .join(Line, Line.id == LineProduct.line_id),
        select(Line.number, FamilyNumber.number, FamilyNumber.relation).join(Line, Line.id == FamilyNumber.line_id),
        select(Line.number, LocationConsent.viewer_number, LocationConsent.expires_at)
        .join(Line, Line.id == LocationConsent.line_id),
        select(Customer.id_number, CareArchive.reason, CareArchive.contact_phone)
        .join(Customer, Customer.id == CareArchive.customer_id),
        select(Customer.id_number, PriorityGroup.group_name).join(Customer, Customer.id == PriorityGroup.customer_id),
        select(Order.idempotency_key, Order.type, Order.channel, Order.status, Order.created_at, owner.id_number)
        .join(owner, owner.id == Order.customer_id),
        select(Line.number, Payment.channel, Payment.amount_fen, Payment.received_at)
        .join(Line, Line.id == Payment.line_id),
        select(Line.number, Fee.product_code, Fee.cycle, Fee.amount_fen, Fee.basis).join(Line, Line.id == Fee.line_id),
        select(owner.id_number, BillingAccount.balance_fen).join(owner, owner.id == BillingAccount.customer_id),
    ]
    hasher = hashlib.sha256()
    with sessions() as session:
        for query in queries:
            for row in sorted(repr(tuple(r)) for r in session.execute(query)):
                hasher.update(row.encode())
            hasher.update(b"|")
    return hasher.hexdigest()
