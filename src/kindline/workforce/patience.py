"""Erlang A (M/M/N+M): the hotline queue when callers hang up.

Elderly callers wait longer than most but not for ever; a queue where callers
abandon is always stable and needs fewer agents than Erlang C says, so the
surge plan is made with this model when the mean patience is known.

The model: Poisson arrivals (λ), exponential handling (μ = 1/AHT), N agents,
each waiting caller hangs up after an exponential patience of mean 1/θ. With
x = Nμ/θ, y = λ/θ and t_k = y^k / ((x+1)···(x+k)) the stationary chain is
π_{N+k} = π_N·t_k, and the sums the figures need are closed forms in the
incomplete gamma function (Palm; Mandelbaum and Zeltyn):

    S(x, y) = Σ t_k = Γ(x+1)·e^y·y^(−x)·P(x, y)        (P: regularised lower)
    Σ k·t_k = (y − x)·S + x
    Σ t_k·(ψ(x+k+1) − ψ(x+1)) = −∂S/∂x                 (for the answered calls' wait)

and the offered wait V of an arriving caller (the wait if they never hung up)
has P(V > t) = π_N·e^(y−z−Nμt)·S(x, z) with z = y·e^(−θt). docs/workforce.md
derives every figure. S is summed as its series while y < x + 1 and taken from
the continued fraction of the upper incomplete gamma otherwise, in logarithms,
so overloaded queues of thousands of agents neither overflow nor lose digits;
the x-derivative is carried through the continued fraction (dual numbers), so
nothing here is approximated or integrated numerically.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from kindline.workforce.erlang import offered_load, require_agents, require_number

_EPS = 2.0**-56
_TINY = 1e-300
_MAX_FRACTION_TERMS = 1_000_000


@dataclass(frozen=True)
class ErlangAResult:
    """What N agents deliver for one interval under Erlang A; every share is of the offered calls.

    p_wait: calls that find every agent busy.
    p_abandon: calls that hang up before an answer.
    p_abandon_short: calls that hang up within `short_abandon_seconds` of waiting.
    service_level: answered within the target time / offered.
    service_level_net: answered within the target / (offered − abandoned within the short time),
        the variant that does not blame the queue for callers who hung up at once.
    asa_seconds: average speed of answer, the mean wait of the answered calls.
    avg_wait_seconds: the mean wait of all calls, answered or abandoned (= p_abandon · patience).
    occupancy: share of the agents' time spent on calls (answered load / N).
    """

    agents: int
    load: float
    patience_seconds: float
    short_abandon_seconds: float
    p_wait: float
    p_abandon: float
    p_abandon_short: float
    service_level: float
    service_level_net: float
    asa_seconds: float
    avg_wait_seconds: float
    occupancy: float


def _digamma(v: float) -> float:
    """ψ(v) for v > 0: recurrence up to 20, then the asymptotic series (error below 1e-17)."""
    acc = 0.0
    while v < 20.0:
        acc -= 1.0 / v
        v += 1.0
    inv2 = 1.0 / (v * v)
    tail = inv2 * (1 / 12 - inv2 * (1 / 120 - inv2 * (1 / 252 - inv2 * (1 / 240 - inv2 / 132))))
    return acc + math.log(v) - 0.5 / v - tail


def _log_prefix(x: float, y: float) -> float:
    """ln(Γ(x+1)·e^y·y^(−x)) without the cancellation of its two large halves when x is large."""
    if x < 30.0:
        return math.lgamma(x + 1.0) + y - x * math.log(y)
    inv2 = 1.0 / (x * x)
    stirling = 0.5 * math.log(2.0 * math.pi * x) + (
        1 / 12 - inv2 * (1 / 360 - inv2 * (1 / 1260 - inv2 / 1680))
    ) / x
    d = (y - x) / x
    return stirling + x * (d - math.log1p(d))


@dataclass(frozen=True)
class _Sums:
    """The queue sums scaled by e^(−log_scale): S, S − 1, Σ k·t_k and −∂S/∂x."""

    log_scale: float
    s: float
    s_minus_one: float
    moments: float
    wait_weight: float


def _series(x: float, y: float, moments: bool) -> _Sums:
    """y < x + 1: every term is smaller than the last, so the plain series is exact and fast."""
    term, tail_sum, first_moment, weighted, harmonic, k = 1.0, 0.0, 0.0, 0.0, 0.0, 0
    while True:
        k += 1
        term *= y / (x + k)
        harmonic += 1.0 / (x + k)
        tail_sum += term
        first_moment += k * term
        weighted += term * harmonic
        ratio = y / (x + k + 1)
        rest = term * ratio / (1.0 - ratio)
        total = 1.0 + tail_sum
        done = rest <= _EPS * total
        if done and moments:
            longer = 1.0 / (1.0 - ratio)
            done = rest * (k + longer) <= _EPS * first_moment and rest * (
                harmonic + longer / (x + 1.0)
            ) <= _EPS * weighted
        if done or term == 0.0:
            return _Sums(0.0, total, tail_sum, first_moment, weighted)


def _continued_fraction(x: float, y: float) -> tuple[float, float]:
    """h = e^y·y^(−x)·Γ(x, y) by modified Lentz, and ∂h/∂x carried alongside (y >= x + 1)."""
    b, db = y + 1.0 - x, -1.0
    c, dc = 1.0 / _TINY, 0.0
    d, dd = 1.0 / b, 1.0 / (b * b)
    h, dh = d, dd
    for i in range(1, _MAX_FRACTION_TERMS):
        an, dan = -i * (i - x), float(i)
        b += 2.0
        dn, ddn = an * d + b, dan * d + an * dd + db
        if abs(dn) < _TINY:
            dn = _TINY
        cn, dcn = b + an / c, db + (dan * c - an * dc) / (c * c)
        if abs(cn) < _TINY:
            cn = _TINY
        d, dd = 1.0 / dn, -ddn / (dn * dn)
        c, dc = cn, dcn
        delta, ddelta = d * c, dd * c + d * dc
        dh_next = dh * delta + h * ddelta
        h *= delta
        settled = abs(dh_next - dh) <= _EPS * abs(dh_next)
        dh = dh_next
        if abs(delta - 1.0) <= _EPS and settled:
            break
    return h, dh


def _queue_sums(x: float, y: float, moments: bool = True) -> _Sums:
    if y < x + 1.0:
        return _series(x, y, moments)
    ell = _log_prefix(x, y)
    h, dh = _continued_fraction(x, y)
    shrink = math.exp(-ell)
    s = 1.0 - x * h * shrink
    return _Sums(
        log_scale=ell,
        s=s,
        s_minus_one=1.0 - (x * h + 1.0) * shrink,
        moments=(y - x) * s + x * shrink,
        wait_weight=(math.log(y) - _digamma(x + 1.0)) + (h + x * dh) * shrink,
    )


def _clamp(p: float) -> float:
    return min(1.0, max(0.0, p))


def erlang_a(
    calls: float,
    interval_seconds: float,
    aht_seconds: float,
    agents: int,
    target_seconds: float,
    patience_seconds: float,
    short_abandon_seconds: float = 5.0,
) -> ErlangAResult:
    """Erlang A figures for one interval; `patience_seconds` is the callers' mean patience."""
    load = offered_load(calls, interval_seconds, aht_seconds)
    require_agents(agents)
    target = require_number("target_seconds", target_seconds)
    patience = require_number("patience_seconds", patience_seconds, positive=True)
    short = require_number("short_abandon_seconds", short_abandon_seconds)
    if load == 0:
        return ErlangAResult(agents, 0.0, patience, short, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0)
    theta = 1.0 / patience
    if agents == 0:
        gone_short = -math.expm1(-short * theta)
        return ErlangAResult(agents, load, patience, short, 1.0, 1.0, gone_short, 0.0, 0.0, math.inf, patience, 0.0)

    rate_out = agents / aht_seconds  # Nμ, answers per second while all agents are busy
    x, y = agents * patience / aht_seconds, calls / interval_seconds * patience
    below = 1.0  # 1/B(n, A), Erlang B inverted: the states with a free agent, relative to π_N
    for n in range(1, agents + 1):
        below = 1.0 + below * n / load
    below -= 1.0
    if math.isinf(below):  # the queue is beyond the reach of a double: nobody waits
        return ErlangAResult(agents, load, patience, short, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, load / agents)

    sums = _queue_sums(x, y)
    log_norm = sums.log_scale + math.log(below * math.exp(-sums.log_scale) + sums.s)
    at_full = math.exp(sums.log_scale - log_norm)  # π_N·e^ℓ
    p_wait = _clamp(at_full * sums.s)
    p_abandon = _clamp(at_full * sums.moments / y)
    p_answered = 1.0 - p_abandon
    answered_wait = at_full * sums.wait_weight * (agents / load) * patience  # E[W; answered]

    def beyond(t: float) -> tuple[float, float]:
        """P(offered wait > t) and P(answered after waiting > t)."""
        if t == 0:
            return p_wait, max(0.0, p_wait - p_abandon)
        z = y * math.exp(-theta * t)
        tail = _queue_sums(x, z, moments=False)
        scale = math.exp(tail.log_scale - log_norm - y * math.expm1(-theta * t) - rate_out * t)
        return _clamp(scale * tail.s), _clamp((agents / load) * scale * tail.s_minus_one)

    _, answered_late = beyond(target)
    within = _clamp(p_answered - answered_late)
    offered_past_short, answered_past_short = beyond(short)
    gone_short = _clamp(p_abandon + answered_past_short - math.exp(-theta * short) * offered_past_short)
    return ErlangAResult(
        agents=agents,
        load=load,
        patience_seconds=patience,
        short_abandon_seconds=short,
        p_wait=p_wait,
        p_abandon=p_abandon,
        p_abandon_short=gone_short,
        service_level=within,
        service_level_net=_clamp(within / (1.0 - gone_short)) if gone_short < 1.0 else 0.0,
        asa_seconds=answered_wait / p_answered if p_answered > 0 else math.inf,
        avg_wait_seconds=p_abandon * patience,
        occupancy=_clamp(load * p_answered / agents),
    )
