"""Erlang B and Erlang C: the queue of a hotline whose callers never hang up.

Calls arrive at random (Poisson), talk plus wrap-up time is exponential with
mean AHT, and N agents answer first come, first served. Erlang C is what
staffing has been planned with for decades; when callers do hang up it asks for
more agents than needed, and patience.py (Erlang A) says how many fewer.

Everything starts from Erlang B by its recursion
B(0) = 1, B(n) = A·B(n-1) / (n + A·B(n-1)), which never forms A^N or N!, so
2,000 agents at 1,800 Erlangs is computed as exactly as 14 agents at 10.
A queue that cannot keep up (N <= A) is answered with explicit figures
(every call waits, nobody within the target, endless wait), never an error:
the console shows it in red instead of crashing on it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from kindline.core.errors import Invalid


@dataclass(frozen=True)
class ErlangCResult:
    """What N agents deliver for one interval under Erlang C (nobody hangs up).

    p_wait: share of calls that find every agent busy (Erlang C, P(W > 0)).
    service_level: share of calls answered within the target time.
    asa_seconds: average speed of answer, the mean wait over all calls.
    occupancy: share of the agents' time spent on calls (A / N).
    """

    agents: int
    load: float
    p_wait: float
    service_level: float
    asa_seconds: float
    occupancy: float

    @property
    def stable(self) -> bool:
        """False when the queue grows without end (N <= A and calls arrive)."""
        return self.load == 0 or self.agents > self.load


def _bad(field: str, rule_zh: str, value: object) -> Invalid:
    return Invalid("invalid_workforce_input", f"{field} {rule_zh}。", f"invalid {field}: {value!r}", {"field": field})


def require_number(field: str, value: float, *, positive: bool = False) -> float:
    """A finite number >= 0 (or > 0): counts and durations from a form or a file."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise _bad(field, "应为有限数值", value)
    if value < 0 or (positive and value == 0):
        raise _bad(field, "应大于 0" if positive else "不能为负数", value)
    return float(value)


def require_agents(value: int, field: str = "agents") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _bad(field, "应为不小于 0 的整数", value)
    return value


def offered_load(calls: float, interval_seconds: float, aht_seconds: float) -> float:
    """Offered load A in Erlangs: the agents that would be busy if every call were answered at once."""
    calls = require_number("calls", calls)
    interval = require_number("interval_seconds", interval_seconds, positive=True)
    aht = require_number("aht_seconds", aht_seconds, positive=True)
    return calls * aht / interval


def erlang_b(agents: int, load: float) -> float:
    """Blocking probability of N agents with no queue; the base Erlang C is built on."""
    require_agents(agents)
    load = require_number("load", load)
    b = 1.0
    for n in range(1, agents + 1):
        b = load * b / (n + load * b)
    return b


def wait_probability(agents: int, load: float) -> float:
    """Erlang C: the chance a call waits, C = N·B / (N − A·(1 − B)); 1 when N <= A."""
    require_agents(agents)
    load = require_number("load", load)
    if load == 0:
        return 0.0
    if agents <= load:
        return 1.0
    b = erlang_b(agents, load)
    return min(1.0, agents * b / (agents - load * (1.0 - b)))


def erlang_c(
    calls: float, interval_seconds: float, aht_seconds: float, agents: int, target_seconds: float
) -> ErlangCResult:
    """Erlang C figures for one interval: `calls` offered in `interval_seconds`, answered by `agents`.

    Service level = 1 − C·exp(−(N − A)·T / AHT), ASA = C·AHT / (N − A).
    """
    load = offered_load(calls, interval_seconds, aht_seconds)
    require_agents(agents)
    target = require_number("target_seconds", target_seconds)
    if load == 0:
        return ErlangCResult(agents, 0.0, 0.0, 1.0, 0.0, 0.0)
    if agents <= load:
        return ErlangCResult(agents, load, 1.0, 0.0, math.inf, 1.0)
    c = wait_probability(agents, load)
    spare = agents - load
    service_level = 1.0 - c * math.exp(-spare * target / aht_seconds)
    return ErlangCResult(
        agents=agents,
        load=load,
        p_wait=c,
        service_level=min(1.0, max(0.0, service_level)),
        asa_seconds=c * aht_seconds / spare,
        occupancy=load / agents,
    )
