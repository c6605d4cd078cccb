"""The one routing engine: which waiting contact goes to which agent, now.

Live contacts (service.dispatch, from rows) and the simulator (one long-lived
Router on a virtual clock) both call this; there is no second implementation.
It is pure and in memory: no database, no clock, times are float seconds.

The order is the policy's: strict priority, then the longest waiting; among
the agents the target in force admits, the one idle longest. A contact's
target (and so its queue, agent filter and priority) is a function of how long
it has waited since it entered the queue, so a contact that goes back to the
queue (an offer not answered) or waits for a callback keeps its place.

Why it is fast (1,000 agents and 5,000 waiting contacts in well under a
millisecond per decision): contacts in the same rule and stage share one agent
filter, so they wait in one heap per (rule, stage) ordered by priority and
arrival; available agents wait in one heap per agent filter ordered by idle
time. A decision peeks at the top of each stage heap and its filter's heap,
a handful of heaps whatever the number of contacts and agents. Removal is lazy
(an entry whose token is stale is dropped when it surfaces), and contacts move
to their next stage when their timeout passes, in deadline order.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from kindline.hotline.policy import AgentFilter, Policy, Rule, Target


@dataclass(frozen=True, slots=True)
class WaitingContact:
    id: int
    queue: str  # the queue it entered
    segment: str
    enqueued_at: float  # its place in the queue (seconds)
    vip_level: int = 0
    callback: bool = False  # the caller hung up and waits to be called back


@dataclass(frozen=True, slots=True)
class ReadyAgent:
    id: int
    skills: Mapping[str, int]
    expert: bool
    idle_since: float


@dataclass(frozen=True, slots=True)
class Offer:
    contact_id: int
    agent_id: int
    queue: str  # the target's queue
    priority: int
    rule: str
    stage: int
    callback: bool


@dataclass(frozen=True, slots=True)
class Standing:
    """Where a waiting contact stands at a moment: its rule, stage and target."""

    rule: Rule
    stage: int
    target: Target
    priority: int
    deadline: float | None  # when the next target applies


def standing(policy: Policy, contact: WaitingContact, now: float) -> Standing:
    rule = policy.rule_for(contact.queue, contact.segment)
    stage = rule.stage_at(contact.enqueued_at, now)
    end = rule.ends[stage]
    target = rule.targets[stage]
    return Standing(rule, stage, target, target.priority + policy.boost(contact.vip_level),
                    None if end is None else contact.enqueued_at + end)


@dataclass
class _Bucket:
    """The contacts in one rule's stage: one agent filter for all of them."""

    rule: Rule
    stage: int
    waiting: list = field(default_factory=list)  # (-priority, enqueued_at, id, token)
    deadlines: list = field(default_factory=list)  # (deadline, id, token)


class Router:
    """Waiting contacts and available agents, kept indexed between decisions."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self._tokens = itertools.count(1)
        self._buckets: dict[tuple[str, int], _Bucket] = {}
        self._contacts: dict[int, tuple[WaitingContact, tuple[str, int], int]] = {}
        self._agents: dict[int, tuple[ReadyAgent, int]] = {}
        self._idle: dict[AgentFilter, list] = {f: [] for f in policy.filters()}  # (idle_since, id, token)

    # -- contacts ---------------------------------------------------------------------------------------
    def add_contact(self, contact: WaitingContact, now: float) -> None:
        """Put a contact in its place (again, after an unanswered offer: the same place)."""
        self.remove_contact(contact.id)
        self._place(contact, standing(self.policy, contact, now))

    def _place(self, contact: WaitingContact, where: Standing) -> None:
        key = (where.rule.code, where.stage)
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(where.rule, where.stage)
            self._idle_heap(where.target.filter)
        token = next(self._tokens)
        self._contacts[contact.id] = (contact, key, token)
        heapq.heappush(bucket.waiting, (-where.priority, contact.enqueued_at, contact.id, token))
        if where.deadline is not None:
            heapq.heappush(bucket.deadlines, (where.deadline, contact.id, token))

    def remove_contact(self, contact_id: int) -> bool:
        return self._contacts.pop(contact_id, None) is not None

    def waiting_count(self) -> int:
        return len(self._contacts)

    # -- agents -----------------------------------------------------------------------------------------
    def add_agent(self, agent: ReadyAgent) -> None:
        """An agent became available: indexed under every filter that admits them."""
        self.remove_agent(agent.id)
        token = next(self._tokens)
        self._agents[agent.id] = (agent, token)
        skills = dict(agent.skills)
        entry = (agent.idle_since, agent.id, token)
        for agent_filter, heap in self._idle.items():
            if agent_filter.admits(skills, agent.expert):
                heapq.heappush(heap, entry)

    def remove_agent(self, agent_id: int) -> bool:
        return self._agents.pop(agent_id, None) is not None

    def available_count(self) -> int:
        return len(self._agents)

    def _idle_heap(self, agent_filter: AgentFilter) -> list:
        """The filter's heap, built from the available agents the first time a
        filter outside the policy's known ones is needed."""
        heap = self._idle.get(agent_filter)
        if heap is None:
            heap = self._idle[agent_filter] = [(a.idle_since, a.id, t) for a, t in self._agents.values()
                                               if agent_filter.admits(dict(a.skills), a.expert)]
            heapq.heapify(heap)
        return heap

    # -- decisions --------------------------------------------------------------------------------------
    def advance(self, now: float) -> None:
        """Move every contact whose target timed out to its next target."""
        for key, bucket in list(self._buckets.items()):
            deadlines = bucket.deadlines
            while deadlines and deadlines[0][0] <= now:
                _, contact_id, token = heapq.heappop(deadlines)
                held = self._contacts.get(contact_id)
                if held is not None and held[1] == key and held[2] == token:
                    self._place(held[0], standing(self.policy, held[0], now))

    def next_deadline(self) -> float | None:
        """When a waiting contact next moves to another target (a moment to decide again)."""
        found = None
        for key, bucket in self._buckets.items():
            deadlines = bucket.deadlines
            while deadlines:
                _, contact_id, token = deadlines[0]
                held = self._contacts.get(contact_id)
                if held is not None and held[1] == key and held[2] == token:
                    break
                heapq.heappop(deadlines)
            if deadlines and (found is None or deadlines[0][0] < found):
                found = deadlines[0][0]
        return found

    def _top_contact(self, key: tuple[str, int], bucket: _Bucket):
        heap = bucket.waiting
        while heap:
            entry = heap[0]
            held = self._contacts.get(entry[2])
            if held is not None and held[1] == key and held[2] == entry[3]:
                return entry
            heapq.heappop(heap)
        return None

    def _top_agent(self, heap: list):
        while heap:
            entry = heap[0]
            held = self._agents.get(entry[1])
            if held is not None and held[1] == entry[2]:
                return entry
            heapq.heappop(heap)
        return None

    def next_offer(self, now: float) -> Offer | None:
        """The best waiting contact some available agent may take, given to the
        longest idle of those agents; both leave the router. None: no match."""
        self.advance(now)
        best = None
        for key, bucket in self._buckets.items():
            top = self._top_contact(key, bucket)
            if top is None or (best is not None and top[:3] >= best[0][:3]):
                continue
            agent = self._top_agent(self._idle_heap(bucket.rule.targets[bucket.stage].filter))
            if agent is not None:
                best = (top, agent, bucket)
        if best is None:
            return None
        (neg_priority, _, contact_id, _), (_, agent_id, _), bucket = best
        contact = self._contacts.pop(contact_id)[0]
        del self._agents[agent_id]
        target = bucket.rule.targets[bucket.stage]
        return Offer(contact_id, agent_id, target.queue, -neg_priority, bucket.rule.code, bucket.stage,
                     contact.callback)

    def offers(self, now: float) -> list[Offer]:
        """Every match possible now, best contact first."""
        found = []
        while (offer := self.next_offer(now)) is not None:
            found.append(offer)
        return found


def route(policy: Policy, contacts: Iterable[WaitingContact], agents: Iterable[ReadyAgent],
          now: float) -> list[Offer]:
    """Every offer to make now, from plain lists (how live contacts are routed)."""
    router = Router(policy)
    for agent in agents:
        router.add_agent(agent)
    for contact in contacts:
        router.add_contact(contact, now)
    return router.offers(now)
