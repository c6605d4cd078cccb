"""Agents needed, the day's plan and what extra seats buy, with the published check."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kindline.core.errors import Invalid
from kindline.workforce.erlang import erlang_c
from kindline.workforce.patience import ErlangAResult, erlang_a
from kindline.workforce.staffing import agents_needed, extra_seats, plan, rostered


def test_published_check():
    """100 calls in 30 minutes, AHT 180 s, 80% within 20 s: 14 agents; 20 on the roster with 30% shrinkage."""
    need = agents_needed(100, 1800, 180, 0.80, 20)
    assert (need.agents, need.scheduled) == (14, 14)
    assert need.forecast.service_level >= 0.80
    with_shrinkage = agents_needed(100, 1800, 180, 0.80, 20, shrinkage=0.30)
    assert (with_shrinkage.agents, with_shrinkage.scheduled) == (14, 20)


def test_rostered_is_not_fooled_by_floats():
    assert rostered(14, 0.3) == 20  # 14 / 0.7 is 20.000000000000004 in floats
    assert rostered(14, 0.29) == 20
    assert rostered(14, 0.31) == 21
    assert rostered(0, 0.5) == 0


def test_occupancy_cap_adds_agents():
    # 10 Erlangs at most 70% busy: 10 / 0.7 = 14.3, so 15 agents although 14 meet 80/20
    need = agents_needed(100, 1800, 180, 0.80, 20, max_occupancy=0.70)
    assert need.agents == 15 and need.forecast.occupancy <= 0.70
    # a cap met exactly: 8.5 Erlangs at 85% is 10 agents
    assert agents_needed(85, 1800, 180, 0.5, 20, max_occupancy=0.85).agents == 10


def test_vip_level_needs_more():
    assert agents_needed(100, 1800, 180, 0.90, 20).agents == 15


def test_large_centre():
    need = agents_needed(18000, 1800, 180, 0.80, 20)
    assert erlang_c(18000, 1800, 180, need.agents, 20).service_level >= 0.80
    assert erlang_c(18000, 1800, 180, need.agents - 1, 20).service_level < 0.80
    assert 1800 < need.agents < 1850


def test_patience_and_abandonment_cap():
    erlang_c_need = agents_needed(100, 1800, 180, 0.80, 20)
    a = agents_needed(100, 1800, 180, 0.80, 20, patience_seconds=120)
    assert isinstance(a.forecast, ErlangAResult)
    assert a.agents < erlang_c_need.agents
    assert erlang_a(100, 1800, 180, a.agents - 1, 20, 120).service_level < 0.80
    capped = agents_needed(100, 1800, 180, 0.80, 20, patience_seconds=120, max_abandon=0.02)
    assert capped.forecast.p_abandon <= 0.02
    assert erlang_a(100, 1800, 180, capped.agents - 1, 20, 120).p_abandon > 0.02
    with pytest.raises(Invalid):
        agents_needed(100, 1800, 180, 0.80, 20, max_abandon=0.05)


def test_no_calls_needs_nobody():
    need = agents_needed(0, 1800, 180, 0.80, 20, shrinkage=0.3)
    assert (need.agents, need.scheduled) == (0, 0)


@pytest.mark.parametrize(
    "kwargs",
    [{"target_level": 1.0}, {"target_level": 0}, {"target_level": 80}, {"max_occupancy": 0},
     {"max_occupancy": 1.5}, {"shrinkage": 1.0}, {"shrinkage": -0.1}, {"target_level": math.nan}],
)
def test_bad_targets_are_answered(kwargs):
    args = {"calls": 100, "interval_seconds": 1800, "aht_seconds": 180, "target_level": 0.8, "target_seconds": 20}
    with pytest.raises(Invalid):
        agents_needed(**{**args, **kwargs})


def test_day_plan():
    start = datetime(2026, 11, 11, 8, 0)
    forecast = [(start + timedelta(minutes=30 * i), calls) for i, calls in enumerate([0, 40, 100, 260, 100])]
    rows = plan(forecast, 1800, 180, 0.80, 20, shrinkage=0.30, min_agents=2)
    assert [row.start for row in rows] == [moment for moment, _ in forecast]
    assert [row.agents for row in rows] == [2, 7, 14, 31, 14]  # the empty slot keeps its 2 agents
    assert [row.scheduled for row in rows] == [3, 10, 20, 45, 20]
    for row, (_, calls) in zip(rows, forecast):
        assert row.calls == calls
        assert row.p_abandon is None
        if calls:
            assert row.agents == agents_needed(calls, 1800, 180, 0.80, 20).agents
            assert row.service_level >= 0.80
    patient = plan([("09:00", 100)], 1800, 180, 0.80, 20, patience_seconds=120)
    assert patient[0].p_abandon is not None and patient[0].agents == 12


def test_forty_extra_seats_for_a_big_event():
    """An event doubles the traffic; 40 extra seats on top of the usual 380 agents."""
    gain = extra_seats(3000, 1800, 240, 380, 40, 20, patience_seconds=180)
    assert gain.extra == 40
    assert gain.after.service_level > gain.before.service_level
    assert gain.after.asa_seconds < gain.before.asa_seconds and gain.asa_saved_seconds > 0
    assert gain.abandon_drop > 0 and gain.abandoned_calls_saved == pytest.approx(gain.abandon_drop * 3000)
    assert gain.calls_within_target_gain == pytest.approx(gain.service_level_gain * 3000)
    overloaded = extra_seats(3000, 1800, 240, 380, 40, 20)  # Erlang C: 400 Erlangs on 380 agents never clears
    assert overloaded.before.service_level == 0 and math.isinf(overloaded.asa_saved_seconds)
    assert overloaded.abandon_drop is None and overloaded.abandoned_calls_saved is None
    still = extra_seats(3000, 1800, 240, 300, 40, 20)
    assert still.asa_saved_seconds == 0.0 and still.service_level_gain == 0.0
    same = extra_seats(100, 1800, 180, 14, 0, 20)
    assert same.before == same.after and same.service_level_gain == 0


@settings(max_examples=60, deadline=None)
@given(
    calls=st.floats(1, 5000),
    aht=st.floats(30, 900),
    level=st.floats(0.5, 0.95),
    target=st.sampled_from([10, 20, 30, 60]),
    patience=st.none() | st.floats(10, 1000),
)
def test_smallest_that_meets(calls, aht, level, target, patience):
    need = agents_needed(calls, 1800, aht, level, target, max_occupancy=0.9, patience_seconds=patience)
    check = need.forecast
    assert check.agents == need.agents
    assert check.service_level >= level - 1e-12 and check.occupancy <= 0.9 + 1e-12
    if need.agents > 1:
        fewer = (erlang_c(calls, 1800, aht, need.agents - 1, target) if patience is None
                 else erlang_a(calls, 1800, aht, need.agents - 1, target, patience))
        assert fewer.service_level < level or fewer.occupancy > 0.9
