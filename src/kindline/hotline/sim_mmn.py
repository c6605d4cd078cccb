"""An M/M/N hotline as a scenario and a policy: the shape the textbook and
ciw know, used to check the simulator (tests) and to time it (bench).

Why it lives beside the simulator: the test and the benchmark must run the
same scenario ciw runs, and one builder keeps them from drifting apart. One
queue, one skill, every agent alike and on shift the whole run; VIPs are the
high-priority class (the policy's VIP boost), everyone else the low one.
"""

from __future__ import annotations

from datetime import date

from kindline.hotline import policy as policies
from kindline.hotline.scenario import Scenario, Shift


def policy() -> policies.Policy:
    return policies.parse({
        "ivr": {"default": "demo"}, "elder": {"queue": "EXPERT"}, "vip_priority_per_level": 5,
        "queues": [{"code": "GENERAL", "name": "综合", "skill": "general"},
                   {"code": "EXPERT", "name": "长者", "skill": "general"}],
        "rules": [{"code": "default", "targets": [{"priority": 10}]}]})


def scenario(agents: int, load: float, aht: float, hours: int, *, high_share: float = 0.0,
             seed: int = 1) -> Scenario:
    """`load` Erlangs offered to `agents` for `hours` hours; exponential talk, no wrap-up, no abandonment."""
    per_hour = load / aht * 3600
    return Scenario(
        name="M/M/N", seed=seed, day=date(2026, 12, 1), interval_seconds=3600,
        arrivals={h * 3600.0: per_hour for h in range(hours)}, elderly_share=0.0, vip_share=high_share,
        vip_level=1, queue_mix={"GENERAL": 1.0}, handling_seconds={s: aht for s in ("elderly", "vip", "ordinary")},
        handling="exponential", handling_spread=0.0, wrapup_seconds=0.0,
        patience_seconds={s: None for s in ("elderly", "vip", "ordinary")}, resolved_share=1.0,
        roster=(Shift("all", agents, 0.0, 24 * 3600.0, {"general": 3}),))
