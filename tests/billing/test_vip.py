"""VIP levels from the last twelve months of payments; staff-set levels stand."""

from kindline.billing.vip import apply_spend_rules, level_for
from kindline.core.db import transaction
from kindline.customers import service as customers
from tests.billing.conftest import pay
from tests.factories import mobile_number, register


def _levels(runtime, *ids):
    with runtime.sessions() as session:
        return [(customers.get(session, i).vip_level, customers.get(session, i).vip_source) for i in ids]


def _recompute(runtime) -> int:
    with transaction(runtime.sessions) as session:
        return apply_spend_rules(session, runtime.clock)


def test_thresholds():
    assert [level_for(f * 100) for f in (0, 1499, 1500, 2999, 3000, 30000, 99999)] == [0, 0, 1, 1, 2, 7, 7]


def test_spend_sets_levels_reversals_and_old_payments_do_not_count(client, runtime, clock, clerk, supervisor):
    big, small, chosen = register(runtime), register(runtime), register(runtime)
    big_line, small_line = mobile_number(runtime, big), mobile_number(runtime, small)
    pay(client, clerk, big_line, 300000, "B-1")  # 3000 yuan -> level 2
    wrong = pay(client, clerk, small_line, 500000, "S-1").json()  # 5000 yuan, then reversed
    client.post(f"/api/v1/payments/{wrong['id']}/reversal", json={"reason": "收款错误"}, headers=supervisor)
    client.put(f"/api/v1/customers/{chosen}/vip", json={"level": 6, "reason": "重点客户"}, headers=supervisor)
    assert _recompute(runtime) == 1
    assert _levels(runtime, big, small, chosen) == [(2, "spend"), (0, None), (6, "staff")]
    assert _recompute(runtime) == 0
    clock.advance(366 * 86400)
    assert _recompute(runtime) == 1
    assert _levels(runtime, big)[0] == (0, "spend")
