"""The routing policy as data, in the manner of Twilio TaskRouter workflows.

A rule matches contacts by the queue they entered (and optionally their
segment) and lists ordered targets. Each target names a queue, an agent filter
(skill, minimum proficiency, the service-expert tier), a priority and a
timeout: once a contact has waited past a target's timeout, the next target
applies. A target without a queue serves the queue the contact entered, so one
default rule covers every queue that needs nothing special.

The policy is loaded from routing_policy.yaml beside this module, or from the
file named by KINDLINE_HOTLINE_POLICY_FILE. Everything here is plain data the
routing engine reads; nothing touches the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

DEFAULT_FILE = Path(__file__).resolve().parent / "routing_policy.yaml"
SEGMENTS = ("elderly", "vip", "ordinary")


@dataclass(frozen=True, slots=True)
class AgentFilter:
    """Which agents may take a contact: a skill at a minimum proficiency, and
    the service-expert tier when `expert_only`."""

    skill: str
    min_proficiency: int = 1
    expert_only: bool = False

    def admits(self, skills: dict[str, int], expert: bool) -> bool:
        return skills.get(self.skill, 0) >= self.min_proficiency and (expert or not self.expert_only)


@dataclass(frozen=True, slots=True)
class Target:
    queue: str
    filter: AgentFilter
    priority: int
    timeout: float | None  # seconds in this target before the next applies; None: the last stays


@dataclass(frozen=True)
class Rule:
    """A rule made concrete for one entry queue: its targets, and when each ends
    counted from the moment the contact entered the queue."""

    code: str
    name: str
    targets: tuple[Target, ...]
    ends: tuple[float | None, ...]  # cumulative: stage k applies while waited < ends[k]

    def stage_at(self, enqueued_at: float, now: float) -> int:
        """The target in force at `now`. Compared as `enqueued_at + end > now`,
        the same sum the deadlines use, so floating point can never put a
        contact in a stage whose deadline has already passed."""
        for index, end in enumerate(self.ends):
            if end is None or enqueued_at + end > now:
                return index
        return len(self.targets) - 1


@dataclass(frozen=True)
class QueueDef:
    code: str
    name: str
    skill: str


@dataclass(frozen=True)
class RuleDef:
    code: str
    name: str
    queues: frozenset[str]  # empty: any queue
    segments: frozenset[str]  # empty: any segment
    targets: tuple[dict[str, Any], ...]

    def fits(self, queue: str, segment: str) -> bool:
        return (not self.queues or queue in self.queues) and (not self.segments or segment in self.segments)


@dataclass(frozen=True)
class Policy:
    queues: dict[str, QueueDef]
    rules: tuple[RuleDef, ...]
    vip_priority_per_level: int = 5
    ring_seconds: int = 15
    max_missed_offers: int = 2
    elder_queue: str = "EXPERT"
    ivr_flows: dict[str, str] = field(default_factory=dict)  # called number -> flow code; "default"
    _cache: dict[tuple[str, str], Rule] = field(default_factory=dict, compare=False, repr=False)

    def boost(self, vip_level: int) -> int:
        """VIP levels raise priority: this much per level."""
        return max(0, vip_level) * self.vip_priority_per_level

    def ivr_flow_for(self, called: str) -> str | None:
        return self.ivr_flows.get(called) or self.ivr_flows.get("default")

    def rule_for(self, queue: str, segment: str) -> Rule:
        """The first rule fitting the entry queue and segment, made concrete (cached)."""
        key = (queue, segment)
        found = self._cache.get(key)
        if found is None:
            if queue not in self.queues:
                raise KeyError(queue)
            spec = next((r for r in self.rules if r.fits(queue, segment)), None)
            if spec is None:
                raise LookupError(f"no routing rule fits queue {queue} and segment {segment}")
            found = self._cache[key] = self._concrete(spec, queue)
        return found

    def _concrete(self, spec: RuleDef, entry: str) -> Rule:
        targets, ends, total = [], [], 0.0
        for raw in spec.targets:
            queue = raw.get("queue") or entry
            skill = raw.get("skill") or self.queues[queue].skill
            timeout = raw.get("timeout")
            targets.append(Target(queue, AgentFilter(skill, int(raw.get("min_proficiency", 1)),
                                                     raw.get("tier") == "expert"),
                                  int(raw.get("priority", 0)), None if timeout is None else float(timeout)))
            if timeout is None:
                ends.append(None)
                break  # a target without a timeout is the last one that can ever apply
            total += float(timeout)
            ends.append(total)
        # The engine keys its heaps by this code: one code, one set of targets.
        code = spec.code if len(spec.queues) == 1 else f"{spec.code}@{entry}"
        return Rule(code, spec.name, tuple(targets), tuple(ends))

    def filters(self) -> set[AgentFilter]:
        """Every agent filter the rules apply to the known segments (the engine
        indexes available agents by them)."""
        return {t.filter for queue in self.queues for segment in SEGMENTS
                for t in self.rule_for(queue, segment).targets}


def _check(policy: Policy) -> Policy:
    if not policy.ivr_flow_for(""):
        raise ValueError("the policy needs ivr.default: the IVR flow of a service number not listed")
    if policy.elder_queue not in policy.queues:
        raise ValueError(f"the elder queue {policy.elder_queue} is not a queue of the policy")
    for spec in policy.rules:
        if not spec.targets:
            raise ValueError(f"rule {spec.code} has no targets")
        for raw in spec.targets:
            if raw.get("queue") and raw["queue"] not in policy.queues:
                raise ValueError(f"rule {spec.code} names unknown queue {raw['queue']}")
            if not 1 <= int(raw.get("min_proficiency", 1)) <= 5:
                raise ValueError(f"rule {spec.code}: min_proficiency must be 1 to 5")
            if raw.get("tier") not in (None, "expert"):
                raise ValueError(f"rule {spec.code}: tier must be expert or absent")
    for queue in policy.queues:  # every queue must be routable for every segment
        for segment in SEGMENTS:
            policy.rule_for(queue, segment)
    return policy


def parse(data: dict[str, Any]) -> Policy:
    queues = {q["code"]: QueueDef(q["code"], q["name"], q["skill"]) for q in data["queues"]}
    rules = tuple(RuleDef(r["code"], r.get("name", r["code"]),
                          frozenset((r.get("match") or {}).get("queue") or ()),
                          frozenset((r.get("match") or {}).get("segment") or ()),
                          tuple(r["targets"])) for r in data["rules"])
    return _check(Policy(queues=queues, rules=rules,
                         vip_priority_per_level=int(data.get("vip_priority_per_level", 5)),
                         ring_seconds=int(data.get("ring_seconds", 15)),
                         max_missed_offers=int(data.get("max_missed_offers", 2)),
                         elder_queue=(data.get("elder") or {}).get("queue", "EXPERT"),
                         ivr_flows={str(k): str(v) for k, v in (data.get("ivr") or {}).items()}))


@lru_cache
def load(path: str | None = None) -> Policy:
    source = Path(path) if path else DEFAULT_FILE
    return parse(yaml.safe_load(source.read_text(encoding="utf-8")))


def current() -> Policy:
    from kindline.core.settings import get_settings

    return load(get_settings().hotline_policy_file or None)
