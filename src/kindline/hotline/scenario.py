"""A simulated hotline day as data (examples/hotline/*.yaml), checked on load.

Why a file and not code: the operator's planners change the forecast, the
segment mix and the roster and rerun; nothing here needs a programmer. Times
are "HH:MM" on the scenario's date; durations are seconds; shares are 0..1.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from pathlib import Path
from typing import Any

import yaml


@dataclass(frozen=True)
class Shift:
    """`count` agents alike: their skills (proficiency 1..5), tier and hours."""

    name: str
    count: int
    start: float  # seconds from midnight
    end: float
    skills: dict[str, int]
    expert: bool = False


@dataclass(frozen=True)
class Scenario:
    name: str
    seed: int
    day: date
    interval_seconds: int
    arrivals: dict[float, float]  # interval start (seconds from midnight) -> expected calls
    elderly_share: float
    vip_share: float
    vip_level: int
    queue_mix: dict[str, float]  # entry queue -> weight (the elderly enter the elder queue)
    handling_seconds: dict[str, float]  # segment -> mean talk time
    handling: str  # exponential or lognormal
    handling_spread: float  # lognormal sigma
    wrapup_seconds: float  # mean; exponential when handling is exponential
    patience_seconds: dict[str, float | None]  # segment -> mean patience (exponential); None: never hangs up
    resolved_share: float
    roster: tuple[Shift, ...]
    policy_file: str | None = None  # a routing policy other than the live one


def _seconds(text: str) -> float:
    clock = time.fromisoformat(str(text))
    return clock.hour * 3600 + clock.minute * 60 + clock.second


def _share(data: dict[str, Any], key: str, default: float = 0.0) -> float:
    value = float(data.get(key, default))
    if not 0 <= value <= 1:
        raise ValueError(f"{key} must be within 0..1")
    return value


def parse(data: dict[str, Any]) -> Scenario:
    interval = int(data.get("interval_minutes", 30)) * 60
    arrivals = {_seconds(k): float(v) for k, v in (data.get("arrivals") or {}).items()}
    if not arrivals or any(v < 0 for v in arrivals.values()):
        raise ValueError("arrivals needs at least one interval and no negative counts")
    roster = tuple(Shift(s.get("name", f"shift{i}"), int(s["count"]), _seconds(s["start"]), _seconds(s["end"]),
                         {str(k): int(v) for k, v in s["skills"].items()}, bool(s.get("expert", False)))
                   for i, s in enumerate(data["roster"]))
    for shift in roster:
        if shift.count < 0 or shift.end <= shift.start or any(not 1 <= p <= 5 for p in shift.skills.values()):
            raise ValueError(f"shift {shift.name}: count >= 0, end after start, proficiency 1..5")
    handling = {k: float(v) for k, v in data["handling_seconds"].items()}
    patience = {k: (None if v is None else float(v)) for k, v in (data.get("patience_seconds") or {}).items()}
    if data.get("handling", "lognormal") not in ("exponential", "lognormal"):
        raise ValueError("handling is exponential or lognormal")
    elderly, vip = _share(data, "elderly_share"), _share(data, "vip_share")
    if elderly + vip > 1:
        raise ValueError("elderly_share + vip_share must not pass 1")
    return Scenario(
        name=str(data.get("name", "hotline")), seed=int(data.get("seed", 1)),
        day=date.fromisoformat(str(data.get("date", "2026-12-01"))), interval_seconds=interval,
        arrivals=arrivals, elderly_share=elderly, vip_share=vip, vip_level=int(data.get("vip_level", 2)),
        queue_mix={str(k): float(v) for k, v in (data.get("queue_mix") or {"GENERAL": 1}).items()},
        handling_seconds={s: handling.get(s, handling.get("ordinary", 240.0)) for s in ("elderly", "vip", "ordinary")},
        handling=str(data.get("handling", "lognormal")), handling_spread=float(data.get("handling_spread", 0.6)),
        wrapup_seconds=float(data.get("wrapup_seconds", 0)),
        patience_seconds={s: patience.get(s) for s in ("elderly", "vip", "ordinary")},
        resolved_share=_share(data, "resolved_share", 0.9), roster=roster,
        policy_file=data.get("policy_file"))


def load(path: str | Path) -> Scenario:
    return parse(yaml.safe_load(Path(path).read_text(encoding="utf-8")))
