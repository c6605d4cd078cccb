"""Erlang A against an independent solution of the birth-death chain, and its limit Erlang C.

The chain solver below knows nothing of incomplete gamma functions: it lists
the stationary probabilities state by state (truncated where they fall below
e^-80 of the peak), follows one arriving caller through the queue by
first-step analysis (answered or hung up, and the mean wait of the answered),
and gets the waits within T by uniformisation of that caller's chain.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kindline.core.errors import Invalid
from kindline.workforce.erlang import erlang_c
from kindline.workforce.patience import erlang_a


@dataclass
class Chain:
    p_wait: float
    p_abandon: float
    p_abandon_short: float
    service_level: float
    asa_seconds: float
    avg_wait_seconds: float
    occupancy: float


def _logsumexp(values: list[float]) -> float:
    peak = max(values)
    return peak + math.log(sum(math.exp(v - peak) for v in values))


def _within(queue_len: int, rate_out: float, theta: float, seconds: float) -> tuple[list[float], list[float]]:
    """For a caller with i callers ahead: P(answered by t) and P(hung up by t), by uniformisation."""
    top = rate_out + (queue_len + 1) * theta
    answered = [0.0] * (queue_len + 1)
    gone = [0.0] * (queue_len + 1)
    by_answered = [0.0] * (queue_len + 1)
    by_gone = [0.0] * (queue_len + 1)
    mean = top * seconds
    if mean == 0:
        return by_answered, by_gone
    log_weight, step = -mean, 0
    while step <= mean + 12 * math.sqrt(mean) + 40:  # the Poisson tail beyond is below 1e-25
        weight = math.exp(log_weight)
        for i in range(queue_len + 1):
            by_answered[i] += weight * answered[i]
            by_gone[i] += weight * gone[i]
        next_answered, next_gone = [0.0] * (queue_len + 1), [0.0] * (queue_len + 1)
        for i in range(queue_len + 1):
            down = (rate_out + i * theta) / top
            stay = 1.0 - down - theta / top
            next_answered[i] = down * (answered[i - 1] if i else 1.0) + stay * answered[i]
            next_gone[i] = theta / top + down * (gone[i - 1] if i else 0.0) + stay * gone[i]
        answered, gone = next_answered, next_gone
        step += 1
        log_weight += math.log(mean) - math.log(step)
    return by_answered, by_gone


def chain(calls, interval, aht, agents, target, patience, short=5.0) -> Chain:
    lam, mu, theta = calls / interval, 1.0 / aht, 1.0 / patience
    logs = [0.0]
    for n in range(1, agents + 1):
        logs.append(logs[-1] + math.log(lam / (n * mu)))
    k = 0
    while True:
        k += 1
        rate = agents * mu + k * theta
        logs.append(logs[-1] + math.log(lam / rate))
        if lam < rate and logs[-1] < max(logs) - 80:
            break
    total = _logsumexp(logs)
    probs = [math.exp(v - total) for v in logs]
    queue = probs[agents:]  # a caller arriving here has i = 0, 1, ... callers ahead
    rate_out = agents * mu
    answered, answered_wait = [], []  # P(answered | i ahead) and E[wait; answered | i ahead]
    for i in range(len(queue)):
        leave = rate_out + (i + 1) * theta
        onward = (rate_out + i * theta) / leave
        answered.append(onward * (answered[-1] if i else 1.0))
        answered_wait.append(answered[-1] / leave + onward * (answered_wait[-1] if i else 0.0))
    in_target, _ = _within(len(queue) - 1, rate_out, theta, target)
    _, gone_short = _within(len(queue) - 1, rate_out, theta, short)
    p_wait = sum(queue)
    p_abandon = sum(q * (1 - a) for q, a in zip(queue, answered))
    return Chain(
        p_wait=p_wait,
        p_abandon=p_abandon,
        p_abandon_short=sum(q * g for q, g in zip(queue, gone_short)),
        service_level=(1 - p_wait) + sum(q * a for q, a in zip(queue, in_target)),
        asa_seconds=sum(q * w for q, w in zip(queue, answered_wait)) / (1 - p_abandon),
        avg_wait_seconds=sum(i * q for i, q in enumerate(queue)) / lam,
        occupancy=sum(min(n, agents) * p for n, p in enumerate(probs)) / agents,
    )


CASES = [
    # calls/30 min, AHT, agents, target, patience: light, published, overloaded, short and long patience
    (100, 180, 14, 20, 120),
    (100, 180, 12, 20, 60),
    (100, 180, 8, 20, 120),
    (100, 180, 3, 30, 30),
    (40, 300, 1, 20, 600),
    (300, 240, 25, 20, 200),
    (1800, 180, 100, 20, 300),
    (1800, 180, 190, 20, 90),
    (500, 200, 60, 0, 45),
    (200, 180, 20, 60, 7),
    (18000, 180, 1500, 20, 120),
    (18000, 180, 500, 20, 120),  # queue sums near e^440: the logarithmic path
]


@pytest.mark.parametrize("calls,aht,agents,target,patience", CASES)
def test_matches_the_chain(calls, aht, agents, target, patience):
    exact = erlang_a(calls, 1800, aht, agents, target, patience)
    check = chain(calls, 1800, aht, agents, target, patience)
    assert exact.p_wait == pytest.approx(check.p_wait, rel=1e-9, abs=1e-13)
    assert exact.p_abandon == pytest.approx(check.p_abandon, rel=1e-9, abs=1e-13)
    assert exact.p_abandon_short == pytest.approx(check.p_abandon_short, rel=1e-8, abs=1e-13)
    assert exact.service_level == pytest.approx(check.service_level, rel=1e-9, abs=1e-13)
    assert exact.asa_seconds == pytest.approx(check.asa_seconds, rel=1e-9, abs=1e-12)
    assert exact.avg_wait_seconds == pytest.approx(check.avg_wait_seconds, rel=1e-9, abs=1e-12)
    assert exact.occupancy == pytest.approx(check.occupancy, rel=1e-9)
    net = exact.service_level / (1 - check.p_abandon_short)
    assert exact.service_level_net == pytest.approx(net, rel=1e-8)


@pytest.mark.parametrize("agents", [11, 14, 20])
def test_endless_patience_is_erlang_c(agents):
    """The gap to Erlang C shrinks in step with 1/patience, down to patience 1e11 s (x = N·θ/μ near 1e10)."""
    c = erlang_c(100, 1800, 180, agents, 20)
    gaps = []
    for patience in (1e3, 1e5, 1e7, 1e9, 1e11):
        a = erlang_a(100, 1800, 180, agents, 20, patience)
        gaps.append((a.service_level - c.service_level, a.asa_seconds - c.asa_seconds))
    for (sl, asa), (sl_next, asa_next) in zip(gaps[2:], gaps[3:]):
        assert sl_next == pytest.approx(sl / 100, rel=0.02)
        assert asa_next == pytest.approx(asa / 100, rel=0.02)
    assert a.p_wait == pytest.approx(c.p_wait, rel=1e-7)
    assert a.service_level == pytest.approx(c.service_level, rel=1e-7)
    assert a.asa_seconds == pytest.approx(c.asa_seconds, rel=1e-7)
    assert a.occupancy == pytest.approx(c.occupancy, rel=1e-7)
    assert a.p_abandon < 1e-8


def test_erlang_a_is_stable_where_erlang_c_is_not():
    c = erlang_c(100, 1800, 180, 8, 20)
    a = erlang_a(100, 1800, 180, 8, 20, 120)
    assert math.isinf(c.asa_seconds)
    assert 0 < a.service_level < 1 and math.isfinite(a.asa_seconds)
    # flow balance: answered work equals what the agents do
    assert a.load * (1 - a.p_abandon) == pytest.approx(8 * a.occupancy)


def test_thousands_of_agents():
    """2,000 agents at 1,800 Erlangs, and deep overloads whose queue sums pass e^700."""
    roomy = erlang_a(18000, 1800, 180, 2000, 20, 120)
    assert 0 < roomy.p_wait < 1e-5 and roomy.service_level > 0.9999999
    for agents in (500, 1500):
        deep = erlang_a(18000, 1800, 180, agents, 20, 120)
        # nearly every agent is busy, so the answered share is close to N / A
        assert deep.occupancy == pytest.approx(1.0, abs=1e-3)
        assert deep.p_abandon == pytest.approx(1 - agents / 1800, abs=2e-3)
        assert all(math.isfinite(v) for v in (deep.service_level, deep.asa_seconds, deep.avg_wait_seconds))
    edge = erlang_a(18000, 1800, 180, 1790, 20, 120)
    assert 0.98 < edge.occupancy < 1 and 0 < edge.service_level < 1
    huge = erlang_a(200_000, 1800, 180, 1000, 20, 600)
    assert huge.p_wait == pytest.approx(1.0) and huge.p_abandon == pytest.approx(1 - 1000 / 20000, rel=1e-6)


def test_edges():
    none = erlang_a(0, 1800, 180, 0, 20, 60)
    assert (none.p_wait, none.service_level, none.asa_seconds) == (0.0, 1.0, 0.0)
    empty = erlang_a(100, 1800, 180, 0, 20, 60)
    assert (empty.p_abandon, empty.service_level, empty.asa_seconds) == (1.0, 0.0, math.inf)
    assert empty.p_abandon_short == pytest.approx(1 - math.exp(-5 / 60))
    idle = erlang_a(1, 1800, 60, 400, 20, 60)  # Erlang B beyond a double: nobody waits
    assert (idle.p_wait, idle.service_level) == (0.0, 1.0)
    with pytest.raises(Invalid):
        erlang_a(100, 1800, 180, 14, 20, 0)
    with pytest.raises(Invalid):
        erlang_a(100, 1800, 180, 14, 20, math.inf)


@settings(max_examples=150, deadline=None)
@given(
    calls=st.floats(0.5, 3000),
    aht=st.floats(20, 900),
    agents=st.integers(1, 300),
    target=st.floats(0, 90),
    patience=st.floats(3, 5000),
)
def test_more_agents_never_hurt(calls, aht, agents, target, patience):
    one = erlang_a(calls, 1800, aht, agents, target, patience)
    more = erlang_a(calls, 1800, aht, agents + 1, target, patience)
    for r in (one, more):
        for share in (r.p_wait, r.p_abandon, r.p_abandon_short, r.service_level, r.service_level_net, r.occupancy):
            assert 0.0 <= share <= 1.0
        assert r.p_abandon_short <= r.p_abandon + 1e-12
        assert r.p_abandon <= r.p_wait + 1e-12
        assert r.service_level <= 1 - r.p_abandon + 1e-12
        assert r.avg_wait_seconds >= 0 and r.asa_seconds >= 0
    assert more.service_level >= one.service_level - 1e-9
    assert more.p_abandon <= one.p_abandon + 1e-12
    assert more.p_wait <= one.p_wait + 1e-12
    assert more.occupancy <= one.occupancy + 1e-12
