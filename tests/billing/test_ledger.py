"""The balance is always the sum of the ledger, whatever sequence of payments,
replays, conflicting references, reversals and card redemptions came before."""

import uuid
from datetime import date

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from kindline.billing import cards, payments, service
from kindline.billing.models import BillingAccount, LedgerEntry, Payment
from kindline.core.auth.service import create_staff, staff_principal
from kindline.core.db import transaction
from kindline.core.errors import DomainError
from tests.factories import mobile_number, register

pay_op = st.tuples(st.just("pay"), st.integers(0, 1), st.sampled_from([1, 500, 5000, 10_000_000]),
                   st.sampled_from(["hall_cash", "bank", "app"]), st.integers(0, 4))
reverse_op = st.tuples(st.just("reverse"), st.integers(0, 9))
redeem_op = st.tuples(st.just("redeem"), st.integers(0, 1), st.integers(0, 2))
operations = st.lists(st.one_of(pay_op, reverse_op, redeem_op), min_size=1, max_size=14)


def _staff(runtime, role):
    with transaction(runtime.sessions) as session:
        return staff_principal(create_staff(session, runtime.clock, f"{role}-{uuid.uuid4().hex[:6]}", "pass", [role]))


def _apply(runtime, op, ctx) -> None:
    secret = runtime.settings.resolved_secret_key()
    with transaction(runtime.sessions) as session:
        if op[0] == "pay":
            _, line, amount, channel, ref = op
            request = payments.PaymentRequest(ctx["numbers"][line], amount, channel, f"{ctx['tag']}-{ref}")
            payments.pay(session, runtime.clock, ctx["clerk"], request)
        elif op[0] == "reverse":
            made = list(session.scalars(select(Payment).where(Payment.id.in_(ctx["payment_ids"](session)))
                                        .order_by(Payment.id)))
            if made:
                payment = made[op[1] % len(made)]
                payments.reverse(session, runtime.clock, ctx["supervisor"], payment.id, "测试冲正")
        else:
            _, line, n = op
            serial, pin = ctx["pins"][n]
            cards.redeem(session, runtime.clock, ctx["clerk"], secret, serial=serial, pin=pin,
                         msisdn=ctx["numbers"][line])


@pytest.fixture
def actors(runtime):
    """Staff made once and shared by every example (each example has its own customer)."""
    return {role: _staff(runtime, name) for role, name in
            (("clerk", "hall_clerk"), ("supervisor", "supervisor"), ("admin", "admin"))}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_balance_is_the_sum_of_the_ledger(runtime, actors, ops):
    ctx = dict(actors)
    customer = register(runtime)
    ctx["numbers"] = [mobile_number(runtime, customer), mobile_number(runtime, customer)]
    ctx["tag"] = uuid.uuid4().hex[:8]
    with transaction(runtime.sessions) as session:
        _batch, ctx["pins"] = cards.create_batch(session, runtime.clock, ctx["admin"],
                                                 runtime.settings.resolved_secret_key(), face_value_fen=5000,
                                                 count=3, expires_on=date(2027, 12, 31))

    def payment_ids(session):
        account = service.find_account(session, customer)
        return [] if account is None else session.scalars(select(Payment.id).where(
            Payment.account_id == account.id)).all()

    ctx["payment_ids"] = payment_ids
    for op in ops:
        try:
            _apply(runtime, op, ctx)
            event(f"{op[0]}: done")
        except DomainError as refusal:  # a refusal changes nothing: checked below
            event(f"{op[0]}: {refusal.code}")

    with runtime.sessions() as session:
        account = session.scalar(select(BillingAccount).where(BillingAccount.customer_id == customer))
        if account is None:
            return
        entries = service.ledger(session, account.id)
        running = 0
        for entry in entries:
            running += entry.amount_fen
            assert entry.balance_after_fen == running
        assert account.balance_fen == running == service.ledger_total(session, account.id)
        made = session.scalars(select(Payment).where(Payment.account_id == account.id)).all()
        assert account.balance_fen == sum(p.amount_fen for p in made if p.status == "posted")
        assert len(entries) == len(made) + sum(p.status == "reversed" for p in made)
        assert all(e.kind in service.LEDGER_KINDS for e in entries)
        assert session.query(LedgerEntry).filter(LedgerEntry.account_id == account.id).count() == len(entries)
