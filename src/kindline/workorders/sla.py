"""SLA policies and the state of a work order against them.

Policies are configuration (sla_policies.yaml beside this module, or the file
named by KINDLINE_WORKORDER_SLA_FILE): the first whose match fits applies.
Each sets a response and a resolution limit on a calendar. Time the order
spends waiting for the customer (pending) does not count: it is measured in
the policy's working time and added to both limits, so the due times move
while the clock is paused and settle when work resumes.

Everything here is a pure function of the work order's columns and a moment,
so the API, the pages, the timers and the KPIs agree on one answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, time
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import yaml

from kindline.workorders.calendar import Calendar

DEFAULT_FILE = Path(__file__).resolve().parent / "sla_policies.yaml"
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MATCH_KEYS = ("type", "priority", "segment", "area", "source", "green")


def seconds_of(text: Any) -> int:
    """'30m', '24h', '5d' (or a plain number of seconds) as seconds."""
    if isinstance(text, int | float):
        return int(text)
    found = re.fullmatch(r"\s*(\d+)\s*([smhd])\s*", str(text))
    if not found:
        raise ValueError(f"not a duration: {text!r} (use 30m, 2h, 5d)")
    return int(found.group(1)) * _UNITS[found.group(2)]


@dataclass(frozen=True)
class Policy:
    code: str
    name: str
    match: dict[str, Any]
    resolution_seconds: int
    response_seconds: int | None
    calendar: Calendar
    kpi: tuple[tuple[int, float], ...] = ()

    def fits(self, facts: dict[str, Any]) -> bool:
        for key, wanted in self.match.items():
            have = facts.get(key)
            if key == "green":
                if bool(have) != bool(wanted):
                    return False
            elif key == "segment":
                if not set(wanted) & set(have or ()):
                    return False
            elif have not in wanted:
                return False
        return True


@dataclass(frozen=True)
class PolicySet:
    policies: tuple[Policy, ...]
    warning_at: float = 0.8
    calendars: dict[str, Calendar] = field(default_factory=dict)

    def for_facts(self, facts: dict[str, Any]) -> Policy:
        for policy in self.policies:
            if policy.fits(facts):
                return policy
        raise LookupError("no SLA policy fits; the last policy should match everything")

    def by_code(self, code: str) -> Policy:
        for policy in self.policies:
            if policy.code == code:
                return policy
        raise LookupError(f"unknown SLA policy {code!r}")


def _calendar(name: str, spec: dict[str, Any], tz: ZoneInfo) -> Calendar:
    if not spec:
        return Calendar(name, tz)
    opens, closes = (time.fromisoformat(spec[k]) for k in ("opens", "closes"))
    if closes <= opens:
        raise ValueError(f"calendar {name}: closes must be after opens")
    closed = frozenset(datetime.fromisoformat(str(d)).date() for d in spec.get("closed_days") or [])
    return Calendar(name, tz, opens, closes, closed)


def parse(text: str, tz: str = "Asia/Shanghai") -> PolicySet:
    """Read a policy file; a mistake is a ValueError naming what is wrong."""
    data = yaml.safe_load(text) or {}
    zone = ZoneInfo(tz)
    calendars = {name: _calendar(name, spec or {}, zone) for name, spec in (data.get("calendars") or {}).items()}
    calendars.setdefault("around_the_clock", Calendar("around_the_clock", zone))
    policies = []
    for raw in data.get("policies") or []:
        match = raw.get("match") or {}
        unknown = set(match) - set(MATCH_KEYS)
        if unknown:
            raise ValueError(f"policy {raw.get('code')}: unknown match keys {sorted(unknown)}")
        calendar_name = raw.get("calendar", "around_the_clock")
        if calendar_name not in calendars:
            raise ValueError(f"policy {raw.get('code')}: unknown calendar {calendar_name!r}")
        policies.append(Policy(
            code=raw["code"], name=raw.get("name", raw["code"]),
            match={k: (v if k == "green" else list(v if isinstance(v, list) else [v])) for k, v in match.items()},
            resolution_seconds=seconds_of(raw["resolution"]),
            response_seconds=seconds_of(raw["response"]) if raw.get("response") is not None else None,
            calendar=calendars[calendar_name],
            kpi=tuple((seconds_of(within), float(share)) for within, share in raw.get("kpi") or []),
        ))
    if not policies:
        raise ValueError("no SLA policies")
    return PolicySet(tuple(policies), float(data.get("warning_at", 0.8)), calendars)


@lru_cache
def load(path: str | None = None, tz: str = "Asia/Shanghai") -> PolicySet:
    return parse(Path(path or DEFAULT_FILE).read_text(encoding="utf-8"), tz)


class Timed(Protocol):
    """The columns of a work order the SLA reads."""

    sla_started_at: datetime
    responded_at: datetime | None
    resolved_at: datetime | None
    paused_seconds: int
    paused_since: datetime | None


@dataclass(frozen=True)
class Limit:
    due_at: datetime | None
    warn_at: datetime | None
    met_at: datetime | None
    state: str  # within, warning, breached, met (or none when the policy sets no limit)


@dataclass(frozen=True)
class Status:
    policy: Policy
    response: Limit
    resolution: Limit
    paused_seconds: int
    paused: bool

    @property
    def state(self) -> str:
        states = {self.response.state, self.resolution.state}
        if "breached" in states:
            return "breached"
        if self.resolution.state == "met":
            return "met"
        return "warning" if "warning" in states else "within"


def paused_so_far(order: Timed, policy: Policy, now: datetime) -> int:
    running = policy.calendar.elapsed(order.paused_since, now) if order.paused_since else 0.0
    return int(order.paused_seconds + running)


def advance(clock: Timed, policy: Policy, old: str, new: str, at: datetime, *, by_staff: bool, reopen: bool) -> None:
    """Move an SLA clock's columns for one status change at `at`: the customer
    back from pending stops the pause, pending starts one, staff's first move
    is the response, resolved meets the resolution and a reopen un-meets it.
    One rule for the work order (service.transition) and for the KPIs' replay
    of its history (kpi.Run)."""
    if old == "pending":
        clock.paused_seconds = paused_so_far(clock, policy, at)
        clock.paused_since = None
    if new == "pending":
        clock.paused_since = at
    if clock.responded_at is None and by_staff:
        clock.responded_at = at
    if new == "resolved":
        clock.resolved_at = at
    if reopen:
        clock.resolved_at = None


def _limit(policy: Policy, start: datetime, seconds: int | None, paused: int, met_at: datetime | None,
           now: datetime, warning_at: float) -> Limit:
    if seconds is None:
        return Limit(None, None, met_at, "none")
    due = policy.calendar.add(start, seconds + paused)
    warn = policy.calendar.add(start, seconds * warning_at + paused)
    if met_at is not None:
        return Limit(due, warn, met_at, "met" if met_at <= due else "breached")
    state = "breached" if now > due else "warning" if now >= warn else "within"
    return Limit(due, warn, None, state)


def status(order: Timed, policy: Policy, now: datetime, warning_at: float = 0.8) -> Status:
    """Where the order stands at `now` (while paused, the clock stands still)."""
    paused = paused_so_far(order, policy, now)
    at = order.paused_since or now
    return Status(
        policy=policy,
        response=_limit(policy, order.sla_started_at, policy.response_seconds, paused, order.responded_at, at,
                        warning_at),
        resolution=_limit(policy, order.sla_started_at, policy.resolution_seconds, paused, order.resolved_at, at,
                          warning_at),
        paused_seconds=paused, paused=order.paused_since is not None,
    )
