"""The simulator: deterministic for a seed, and right against theory (Erlang C)
and against an independent simulator (ciw). Pure: no database."""

from __future__ import annotations

import math
import statistics
from pathlib import Path

import pytest

from kindline.hotline import scenario as scenarios
from kindline.hotline import sim_mmn, simulator
from kindline.hotline.sim_report import chart, intervals
from kindline.workforce import erlang

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "hotline"
T_99 = 2.861  # Student t, 99% two-sided, 19 degrees of freedom (20 batches)


def batch_ci(values: list[float], batches: int = 20) -> tuple[float, float]:
    """Mean and 99% half-width by batch means (waits of neighbouring callers are correlated)."""
    size = len(values) // batches
    means = [statistics.fmean(values[i * size:(i + 1) * size]) for i in range(batches)]
    return statistics.fmean(means), T_99 * statistics.stdev(means) / math.sqrt(batches)


def answered(result: simulator.Result, warmup: float, segment: str | None = None) -> list[float]:
    return [wait for at, wait, seg in result.contacts
            if at >= warmup and wait is not None and (segment is None or seg == segment)]


def test_same_seed_same_day_other_seed_other_day():
    day = scenarios.load(EXAMPLES / "ordinary_day.yaml")
    first, again = simulator.run(day), simulator.run(day)
    assert first.contacts == again.contacts
    assert simulator.report(first) == simulator.report(again)
    other = simulator.run(scenarios.Scenario(**{**day.__dict__, "seed": day.seed + 1}))
    assert other.contacts != first.contacts


def test_examples_load_and_forty_seats_help_the_big_event():
    plain = simulator.report(simulator.run(scenarios.load(EXAMPLES / "big_event.yaml")))
    more = simulator.report(simulator.run(scenarios.load(EXAMPLES / "big_event_40_seats.yaml")))
    assert more["contacts"]["arrived"] == plain["contacts"]["arrived"]  # one seed, the same callers
    assert more["all"]["service_level"] > plain["all"]["service_level"]
    assert more["contacts"]["abandoned"] < plain["contacts"]["abandoned"]
    assert plain["elderly_handling"]["aht_seconds"] > plain["by_segment"]["ordinary"]["aht_seconds"]


def test_interval_table_adds_up_to_the_day_and_charts():
    result = simulator.run(scenarios.load(EXAMPLES / "ordinary_day.yaml"))
    day, rows = simulator.report(result), intervals(result)
    assert len(rows) == 20
    assert sum(r["offered"] for r in rows) == day["contacts"]["entered_queue"]
    assert sum(r["answered"] for r in rows) == day["contacts"]["answered"]
    assert chart(rows, "t").startswith("<?xml") and "<svg" in chart(rows, "t")


def test_long_mmn_run_agrees_with_erlang_c():
    agents, load, aht, target = 10, 8.0, 18.0, 2.0  # AHT 180 s and 20 s, ten times faster
    result = simulator.run(sim_mmn.scenario(agents, load, aht, hours=10, seed=7), sim_mmn.policy())
    waits = answered(result, warmup=1800)
    assert len(waits) > 15000
    theory = erlang.erlang_c(load * 3600 / aht, 3600, aht, agents, target)
    for observed, expected in (([w > 0 for w in waits], theory.p_wait),
                               ([w <= target for w in waits], theory.service_level)):
        mean, half = batch_ci([float(x) for x in observed])
        assert abs(mean - expected) <= half, (mean, half, expected)


def ciw_waits(agents: int, load: float, aht: float, high_share: float, hours: int, seed: int):
    ciw = pytest.importorskip("ciw")
    rate = load / aht
    network = ciw.create_network(
        arrival_distributions={"high": [ciw.dists.Exponential(rate * high_share)],
                               "low": [ciw.dists.Exponential(rate * (1 - high_share))]},
        service_distributions={"high": [ciw.dists.Exponential(1 / aht)], "low": [ciw.dists.Exponential(1 / aht)]},
        priority_classes={"high": 0, "low": 1}, number_of_servers=[agents])
    ciw.seed(seed)
    run = ciw.Simulation(network)
    run.simulate_until_max_time(hours * 3600)
    records = sorted(run.get_all_records(), key=lambda r: r.arrival_date)
    return {cls: [r.waiting_time for r in records if r.customer_class == cls and r.arrival_date >= 1800]
            for cls in ("high", "low")}


def test_two_priorities_agree_with_ciw():
    agents, load, aht, share, hours = 5, 4.2, 18.0, 0.3, 6
    ours = simulator.run(sim_mmn.scenario(agents, load, aht, hours, high_share=share, seed=11), sim_mmn.policy())
    theirs = ciw_waits(agents, load, aht, share, hours, seed=11)
    for cls, segment in (("high", "vip"), ("low", "ordinary")):
        our_mean, our_half = batch_ci(answered(ours, 1800, segment))
        ciw_mean, ciw_half = batch_ci(theirs[cls])
        assert abs(our_mean - ciw_mean) <= math.hypot(our_half, ciw_half), (cls, our_mean, ciw_mean)
    assert batch_ci(answered(ours, 1800, "vip"))[0] < batch_ci(answered(ours, 1800, "ordinary"))[0]


def test_the_log_tells_every_agents_states_in_order_and_every_callers_story():
    """The run writes compact records and the events are made at the edge: each
    agent's states must still chain (every `from` the state before), and each
    caller's events come in their order, answered at most once, and agree
    with the per-contact figures."""
    result = simulator.run(scenarios.load(EXAMPLES / "ordinary_day.yaml"))
    events = result.events
    assert [e.id for e in events] == list(range(1, len(events) + 1))
    assert all(a.at <= b.at for a, b in zip(events, events[1:]))
    state: dict[int, str] = {}
    story: dict[int, list[str]] = {}
    for event in events:
        if event.event == "AGENTSTATE":
            assert event.data["from"] == state.get(event.agent_id, "offline"), event
            state[event.agent_id] = event.data["state"]
        else:
            story.setdefault(event.contact_id, []).append(event.event)
            if event.event == "CONNECT":
                assert state[event.agent_id] == "on_contact"
    assert set(state.values()) == {"offline"}  # the day is over
    for contact_id, (_, waited, _) in enumerate(result.contacts, start=1):
        told = story[contact_id]
        assert told[:2] == ["ARRIVE", "ENTERQUEUE"]
        if waited is None:
            assert told[2:] == ["ABANDON"]
        else:
            assert told[2:] == ["CONNECT", "COMPLETEAGENT", "WRAPUPEND"]
