"""Staffing: agents needed per interval, the day's plan, and what extra seats buy.

The hotline targets are answer-within-20-s levels (ordinary 80/20, VIP 90/20)
and an operator plans surges ("40 more seats for the event") from forecast
calls. A plan is the smallest number of agents on the phones that meets the
level and the occupancy cap in every interval, then grossed up for shrinkage
(breaks, training, sickness): scheduled = ceil(N / (1 − shrinkage)).

Erlang C is used unless the callers' mean patience is given, then Erlang A.
The search relies on the service level rising, and occupancy and abandonment
falling, as agents are added (tests/workforce check it).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from kindline.core.errors import Invalid
from kindline.workforce.erlang import ErlangCResult, erlang_c, offered_load, require_agents, require_number
from kindline.workforce.patience import ErlangAResult, erlang_a

Forecast = ErlangCResult | ErlangAResult

_SLACK = 1e-12  # 13.999999999 agents of work is 14 agents; 0.8 from a sum of floats is 0.8
_MAX_AGENTS = 10_000_000


@dataclass(frozen=True)
class Staffing:
    """Agents on the phones (`agents`), on the roster (`scheduled`) and what `agents` deliver."""

    agents: int
    scheduled: int
    forecast: Forecast


@dataclass(frozen=True)
class PlanRow:
    """One forecast interval of the day's plan."""

    start: Any
    calls: float
    load: float
    agents: int
    scheduled: int
    service_level: float
    asa_seconds: float
    occupancy: float
    p_abandon: float | None


@dataclass(frozen=True)
class SeatsGain:
    """The interval with `before.agents` and with `after.agents` (extra seats staffed)."""

    calls: float
    before: Forecast
    after: Forecast

    @property
    def extra(self) -> int:
        return self.after.agents - self.before.agents

    @property
    def service_level_gain(self) -> float:
        return self.after.service_level - self.before.service_level

    @property
    def asa_saved_seconds(self) -> float:
        """Seconds of average answer wait saved: infinite when the seats end an Erlang C overload,
        0 when the queue is still overloaded after them."""
        if math.isinf(self.after.asa_seconds):
            return 0.0
        return self.before.asa_seconds - self.after.asa_seconds

    @property
    def calls_within_target_gain(self) -> float:
        """More calls answered within the target time in this interval."""
        return self.service_level_gain * self.calls

    @property
    def abandon_drop(self) -> float | None:
        """Fall in the abandonment share; None under Erlang C, which has no abandonment."""
        if isinstance(self.before, ErlangAResult) and isinstance(self.after, ErlangAResult):
            return self.before.p_abandon - self.after.p_abandon
        return None

    @property
    def abandoned_calls_saved(self) -> float | None:
        drop = self.abandon_drop
        return None if drop is None else drop * self.calls


def _share(field: str, value: float, *, upper_open: bool) -> float:
    value = require_number(field, value)
    if value == 0 or value > 1 or (upper_open and value == 1):
        rule = "应在 0 与 1 之间（不含 0 和 1）" if upper_open else "应在 0 与 1 之间（不含 0）"
        raise Invalid("invalid_workforce_input", f"{field} {rule}。", f"invalid {field}: {value!r}", {"field": field})
    return value


def _shrinkage(value: float) -> float:
    value = require_number("shrinkage", value)
    if value >= 1:
        raise Invalid(
            "invalid_workforce_input", "shrinkage 应小于 1。", f"invalid shrinkage: {value!r}", {"field": "shrinkage"}
        )
    return value


def rostered(agents: int, shrinkage: float) -> int:
    """Agents to schedule so that `agents` remain after shrinkage: ceil(N / (1 − s))."""
    require_agents(agents)
    shrinkage = _shrinkage(shrinkage)
    return math.ceil(agents / (1.0 - shrinkage) - 1e-9)


def evaluate(
    calls: float,
    interval_seconds: float,
    aht_seconds: float,
    agents: int,
    target_seconds: float,
    patience_seconds: float | None = None,
) -> Forecast:
    """Erlang C figures, or Erlang A when the mean patience is known."""
    if patience_seconds is None:
        return erlang_c(calls, interval_seconds, aht_seconds, agents, target_seconds)
    return erlang_a(calls, interval_seconds, aht_seconds, agents, target_seconds, patience_seconds)


def agents_needed(
    calls: float,
    interval_seconds: float,
    aht_seconds: float,
    target_level: float,
    target_seconds: float,
    max_occupancy: float | None = None,
    shrinkage: float = 0.0,
    patience_seconds: float | None = None,
    max_abandon: float | None = None,
) -> Staffing:
    """The fewest agents whose service level reaches `target_level` within `target_seconds`
    (answered within T / offered), whose occupancy stays at most `max_occupancy` and, under
    Erlang A, whose abandonment stays at most `max_abandon`."""
    load = offered_load(calls, interval_seconds, aht_seconds)
    target_level = _share("target_level", target_level, upper_open=True)
    cap = None if max_occupancy is None else _share("max_occupancy", max_occupancy, upper_open=False)
    _shrinkage(shrinkage)
    if max_abandon is not None:
        if patience_seconds is None:
            raise Invalid(
                "invalid_workforce_input", "放弃率上限需要同时给出客户平均耐心时间。",
                "max_abandon needs patience_seconds (Erlang C has no abandonment)", {"field": "max_abandon"},
            )
        max_abandon = _share("max_abandon", max_abandon, upper_open=True)

    def forecast(agents: int) -> Forecast:
        return evaluate(calls, interval_seconds, aht_seconds, agents, target_seconds, patience_seconds)

    def enough(result: Forecast) -> bool:
        if result.service_level < target_level - _SLACK:
            return False
        if cap is not None and result.occupancy > cap + _SLACK:
            return False
        return max_abandon is None or result.p_abandon <= max_abandon + _SLACK

    if load == 0:
        return Staffing(0, 0, forecast(0))
    # No answer below these: Erlang C needs N > A; under Erlang A at most N/A of the calls are answered.
    low = math.floor(load) + 1 if patience_seconds is None else max(1, math.ceil(load * target_level - _SLACK))
    if cap is not None and patience_seconds is None:  # Erlang C occupancy is A / N
        low = max(low, math.ceil(load / cap - _SLACK))
    high = low
    while not enough(forecast(high)):
        low, high = high + 1, high * 2
        if high > _MAX_AGENTS:
            raise Invalid("target_unreachable", "该目标无法用合理的坐席数达到。", "target needs over 10 million agents")
    while low < high:
        middle = (low + high) // 2
        if enough(forecast(middle)):
            high = middle
        else:
            low = middle + 1
    return Staffing(high, rostered(high, shrinkage), forecast(high))


def plan(
    forecast: Iterable[tuple[Any, float]],
    interval_seconds: float,
    aht_seconds: float,
    target_level: float,
    target_seconds: float,
    max_occupancy: float | None = None,
    shrinkage: float = 0.0,
    patience_seconds: float | None = None,
    min_agents: int = 0,
    max_abandon: float | None = None,
) -> list[PlanRow]:
    """One row per forecast interval (start, calls): agents, scheduled and the figures they give.

    `min_agents` keeps a line open in empty intervals (a 24-hour hotline still needs someone).
    """
    require_agents(min_agents, "min_agents")
    rows = []
    for start, calls in forecast:
        need = agents_needed(
            calls, interval_seconds, aht_seconds, target_level, target_seconds, max_occupancy, shrinkage,
            patience_seconds, max_abandon,
        )
        if need.agents < min_agents:
            staffed = evaluate(calls, interval_seconds, aht_seconds, min_agents, target_seconds, patience_seconds)
            need = Staffing(min_agents, rostered(min_agents, shrinkage), staffed)
        result = need.forecast
        rows.append(
            PlanRow(
                start=start,
                calls=calls,
                load=result.load,
                agents=need.agents,
                scheduled=need.scheduled,
                service_level=result.service_level,
                asa_seconds=result.asa_seconds,
                occupancy=result.occupancy,
                p_abandon=result.p_abandon if isinstance(result, ErlangAResult) else None,
            )
        )
    return rows


def extra_seats(
    calls: float,
    interval_seconds: float,
    aht_seconds: float,
    agents: int,
    extra: int,
    target_seconds: float,
    patience_seconds: float | None = None,
) -> SeatsGain:
    """What `extra` more staffed seats buy over `agents` for one interval's calls."""
    require_agents(agents)
    require_agents(extra, "extra")
    before = evaluate(calls, interval_seconds, aht_seconds, agents, target_seconds, patience_seconds)
    after = evaluate(calls, interval_seconds, aht_seconds, agents + extra, target_seconds, patience_seconds)
    return SeatsGain(calls=float(calls), before=before, after=after)
