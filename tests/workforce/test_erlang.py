"""Erlang C against exact rational arithmetic, the published example and large centres."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kindline.core.errors import Invalid
from kindline.workforce.erlang import erlang_b, erlang_c, offered_load, wait_probability


def _exact_c(agents: int, load: Fraction) -> Fraction:
    """Erlang C from its textbook definition with factorials, in exact fractions."""
    below = sum(load**k / math.factorial(k) for k in range(agents))
    top = load**agents / math.factorial(agents) * agents / (agents - load)
    return top / (below + top)


def _log_space_c(agents: int, load: float) -> float:
    """Erlang C summing A^k/k! in logarithms: an independent route for thousands of agents."""
    logs = [k * math.log(load) - math.lgamma(k + 1) for k in range(agents)]
    top = agents * math.log(load) - math.lgamma(agents + 1) + math.log(agents / (agents - load))
    peak = max(max(logs), top)
    below = sum(math.exp(v - peak) for v in logs)
    return math.exp(top - peak) / (below + math.exp(top - peak))


def test_published_example_figures():
    """100 calls in 30 minutes at 180 s AHT is 10 Erlangs; 14 agents give 80/20 with room, 13 do not."""
    at_14 = erlang_c(100, 1800, 180, 14, 20)
    assert at_14.load == 10
    assert at_14.p_wait == pytest.approx(0.1741, abs=1e-4)
    assert at_14.service_level == pytest.approx(0.8884, abs=1e-4)
    assert at_14.asa_seconds == pytest.approx(7.84, abs=0.01)
    assert at_14.occupancy == pytest.approx(10 / 14)
    assert erlang_c(100, 1800, 180, 13, 20).service_level < 0.8 <= at_14.service_level


@pytest.mark.parametrize("agents,load", [(1, "0.5"), (2, "1.9"), (14, "10"), (30, "27.5"), (60, "41.3")])
def test_matches_exact_fractions(agents, load):
    exact = _exact_c(agents, Fraction(load))
    assert wait_probability(agents, float(load)) == pytest.approx(float(exact), rel=1e-12)


def test_two_thousand_agents_at_1800_erlangs():
    result = erlang_c(18000, 1800, 180, 2000, 20)
    assert result.load == 1800
    assert result.p_wait == pytest.approx(_log_space_c(2000, 1800.0), rel=1e-9)
    assert 0 < result.p_wait < 1e-5
    assert result.occupancy == pytest.approx(0.9)
    near = erlang_c(18000, 1800, 180, 1820, 20)
    assert near.p_wait == pytest.approx(_log_space_c(1820, 1800.0), rel=1e-9)
    assert 0 < near.service_level < 1 and math.isfinite(near.asa_seconds)


def test_erlang_b_does_not_overflow():
    logs = [k * math.log(1800) - math.lgamma(k + 1) for k in range(2001)]
    peak = max(logs)
    assert erlang_b(2000, 1800.0) == pytest.approx(
        math.exp(logs[-1] - peak) / sum(math.exp(v - peak) for v in logs), rel=1e-9
    )
    assert erlang_b(5000, 1.0) == 0.0  # underflows quietly to nothing


@pytest.mark.parametrize("agents", [0, 5, 10])
def test_unstable_queue_is_explicit(agents):
    result = erlang_c(100, 1800, 180, agents, 20)
    assert (result.p_wait, result.service_level, result.asa_seconds, result.occupancy) == (1.0, 0.0, math.inf, 1.0)
    assert not result.stable


def test_no_calls():
    result = erlang_c(0, 1800, 180, 0, 20)
    assert (result.p_wait, result.service_level, result.asa_seconds, result.occupancy) == (0.0, 1.0, 0.0, 0.0)
    assert result.stable


@pytest.mark.parametrize(
    "args",
    [(-1, 1800, 180, 14, 20), (100, 0, 180, 14, 20), (100, 1800, 0, 14, 20), (100, 1800, 180, -1, 20),
     (100, 1800, 180, 14, -5), (math.nan, 1800, 180, 14, 20), (100, 1800, math.inf, 14, 20),
     (100, 1800, 180, 14.5, 20), ("100", 1800, 180, 14, 20), (True, 1800, 180, 14, 20)],
)
def test_bad_input_is_answered(args):
    with pytest.raises(Invalid) as caught:
        erlang_c(*args)
    assert caught.value.code == "invalid_workforce_input"


def test_offered_load():
    assert offered_load(100, 1800, 180) == 10.0
    assert offered_load(0, 900, 300) == 0.0


@settings(max_examples=200, deadline=None)
@given(
    calls=st.floats(0, 20000),
    aht=st.floats(10, 1200),
    agents=st.integers(0, 2500),
    target=st.floats(0, 120),
)
def test_more_agents_never_hurt(calls, aht, agents, target):
    one = erlang_c(calls, 1800, aht, agents, target)
    more = erlang_c(calls, 1800, aht, agents + 1, target)
    for result in (one, more):
        assert 0.0 <= result.p_wait <= 1.0
        assert 0.0 <= result.service_level <= 1.0
        assert 0.0 <= result.occupancy <= 1.0
        assert result.asa_seconds >= 0.0
    assert more.service_level >= one.service_level - 1e-12
    assert more.p_wait <= one.p_wait + 1e-12
    assert more.asa_seconds <= one.asa_seconds or math.isinf(one.asa_seconds)
