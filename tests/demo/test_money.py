"""The demo's money: every subscriber has paid, this cycle's fees are charged
(with points), balances look like a real operator's and the bills close."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from kindline import handlers
from kindline.billing import bills
from kindline.billing import cycles as billing_cycles
from kindline.billing.models import BillingAccount, Fee, Payment, PointGrant
from kindline.core import cycles, timers
from kindline.core.auth.service import Tokens
from kindline.core.clock import VirtualClock
from kindline.core.db import make_session_factory
from kindline.core.runtime import Runtime
from kindline.core.settings import Settings
from kindline.customers.models import Customer, Line
from tests.conftest import START, _wipe
from tests.demo import FEW, load_small


@pytest.fixture(scope="module")
def demo(engine, tmp_path_factory) -> Runtime:
    _wipe(engine)
    settings = Settings(database_url=engine.url.render_as_string(hide_password=False),
                        var_dir=tmp_path_factory.mktemp("money"), secret_key="test-secret", embedded_worker=False,
                        clock="virtual:" + START.isoformat())
    handlers.install("log")
    runtime = Runtime(settings=settings, engine=engine, sessions=make_session_factory(engine),
                      clock=VirtualClock(START), tokens=Tokens(settings.secret_key))
    load_small(runtime, FEW)
    return runtime


def test_subscribers_have_paid_and_this_cycles_fees_are_charged(demo):
    cycle = cycles.current(demo.clock)
    with demo.sessions() as session:
        holders = set(session.scalars(select(Line.customer_id).where(Line.status != "cancelled")))
        payers = set(session.scalars(select(Line.customer_id).join(Payment, Payment.line_id == Line.id)))
        assert len(payers) >= 0.9 * len(holders)
        assert len(set(session.scalars(select(Payment.channel)))) >= 4  # banks, apps, halls ...
        charged = session.scalar(select(func.count(func.distinct(Fee.account_id))).where(Fee.cycle == cycle))
        assert charged >= 0.9 * len(holders)
        assert {f.basis for f in session.scalars(select(Fee).where(Fee.cycle == cycle))} >= {"month", "bundled"}
        assert session.scalar(select(func.sum(PointGrant.amount))) > 0
        balances = list(session.scalars(select(BillingAccount.balance_fen)))
        assert sum(b >= 0 for b in balances) >= 0.8 * len(balances)
        assert timers.pending(session, billing_cycles.CYCLE_START, cycles.following(cycle)) is not None


def test_every_demo_bill_closes(demo):
    clock = demo.clock
    with demo.sessions() as session:
        for account_id in session.scalars(select(BillingAccount.id).join(Customer)):
            for cycle in (cycles.previous(cycles.current(clock)), cycles.current(clock)):
                bill = bills.bill_for(session, clock, account_id, cycle)
                assert bill.closing_fen == (bill.opening_fen + bill.payments_fen - bill.reversals_fen - bill.fees_fen
                                            - bill.usage_fen + bill.adjustments_fen)
                assert sum(f.amount_fen for f in bill.fee_lines) == bill.fees_fen
