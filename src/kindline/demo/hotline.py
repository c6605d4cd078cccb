"""The demo's hotline: the policy's queues (综合服务, 话费账单, 宽带故障, 业务办理 and
the service-expert queue 长者服务专席), agents for the demo staff and a small
floor of hotline agents (skills, proficiency, the expert tier), and the last
24 hours of contacts, played on the demo world's clock through the hotline
services: arrival (the elder rule sends the elderly straight to the experts),
the IVR, queues, offers, answers, talk, disposition, wrap-up, abandonment and
a few callbacks. The wallboard and the hotline KPIs read real figures.

Everything done here is driven by the world's schedule, not by the timers
(the world runs in one transaction), so every offer is answered well inside
the ring time and every wrap-up is ended by the agent; the timers left behind
find nothing to do. When the history ends nobody is waiting or talking: the
floor agents stay signed in, the demo staff are signed out so that whoever
tries the agent desk signs in themselves.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from kindline.core.auth.service import create_staff
from kindline.customers.models import Customer
from kindline.demo.world import World
from kindline.hotline import agents, dispatch, service
from kindline.hotline.models import Agent, Contact
from kindline.hotline.policy import current

HOURS = 24  # the history covers the day before the demo's present
QUIET_MINUTES = 20  # no new calls in the last minutes: everything is finished by the present
CONTACTS_MAX = 300
CONTACTS_PER_SUBSCRIBER = 0.15
SERVICE_NUMBER = "10000"
# Calls per hour of the day, relative: a morning and an evening peak, quiet nights.
HOURLY = (1, 1, 1, 1, 1, 2, 4, 8, 14, 16, 15, 13, 10, 11, 13, 14, 13, 12, 10, 11, 10, 7, 4, 2)
IVR_CHOICES = {"GENERAL": 40, "BILLING": 25, "BROADBAND": 20, "BUSINESS": 15}
SELF_SERVICE_SHARE = 0.2
IVR_HANGUP_SHARE = 0.04
CALLBACK_SHARE = 0.03
RESOLVED_SHARE = 0.86
TALK_SECONDS = {"elderly": (300, 900), "vip": (120, 360), "ordinary": (100, 330)}
PATIENCE_SECONDS = (25, 240)

# The demo staff who also take calls: (role, skills, expert tier, wrap-up seconds).
DEMO_AGENTS = (
    ("agent", {"general": 4, "billing": 3, "business": 3}, False, 60),
    ("care_specialist", {"general": 5, "business": 3}, True, 90),
    ("supervisor", {"general": 5, "billing": 4, "broadband": 3, "business": 4}, True, 60),
)
# The floor: hotline-only accounts (username = password, as every demo account).
FLOOR = (
    ("hotline01", "吴慧敏", {"general": 4, "billing": 4}, False),
    ("hotline02", "郑国强", {"general": 3, "broadband": 5}, False),
    ("hotline03", "冯丽娟", {"general": 5, "billing": 3, "business": 4}, True),
    ("hotline04", "何志伟", {"general": 3, "broadband": 4, "business": 3}, False),
    ("hotline05", "许春梅", {"general": 5, "billing": 3}, True),
    ("hotline06", "邓建华", {"general": 4, "business": 5, "billing": 3}, False),
)
FLOOR_WRAPUP = 45


@dataclass
class Desk:
    """What the hotline history keeps between scheduled steps."""

    world: World
    rng: random.Random
    calls: int = 0
    answering: set[tuple[int, int]] = field(default_factory=set)

    def follow(self) -> None:
        """Every contact that now rings an agent is picked up a few seconds later."""
        for contact in self.world.session.scalars(select(Contact).where(Contact.status == "offered")):
            key = (contact.id, contact.offers)
            if key not in self.answering:
                self.answering.add(key)
                self.later(self.rng.randint(3, 10), lambda c=contact.id, o=contact.offers: self.answer(c, o))

    def later(self, seconds: float, action) -> None:
        self.world.schedule(self.world.clock.now() + timedelta(seconds=seconds), action)

    # --- a contact's life ------------------------------------------------------------------------------

    def arrive(self, index: int) -> None:
        world, rng = self.world, self.rng
        caller = self._caller()
        contact, made, _ = service.arrive(world.session, world.clock, caller, SERVICE_NUMBER,
                                          call_id=f"demo-{index:05d}")
        self.calls += 1
        if made.action == "queue":
            self._waiting(contact.id)
        else:
            self.later(rng.randint(20, 70), lambda: self.leave_ivr(contact.id))
        self.follow()

    def leave_ivr(self, contact_id: int) -> None:
        world, rng = self.world, self.rng
        contact = service.get(world.session, contact_id)
        if contact.status != "ivr":
            return
        draw = rng.random()
        if draw < SELF_SERVICE_SHARE:
            service.record_ivr(world.session, world.clock, contact, ["main:1", "!balance"])
            service.leave_ivr(world.session, world.clock, contact, path=contact.ivr_path, outcome="self_service",
                              action="balance")
            return
        if draw < SELF_SERVICE_SHARE + IVR_HANGUP_SHARE:
            service.hangup(world.session, world.clock, contact)
            return
        queue = _weighted(rng, IVR_CHOICES)
        service.leave_ivr(world.session, world.clock, contact, path=[f"main:{list(IVR_CHOICES).index(queue) + 1}"],
                          outcome="queue", queue=queue)
        self._waiting(contact_id)
        self.follow()

    def _waiting(self, contact_id: int) -> None:
        rng = self.rng
        if rng.random() < CALLBACK_SHARE:
            self.later(rng.randint(30, 90), lambda: self.callback(contact_id))
        else:
            self.later(rng.randint(*PATIENCE_SECONDS), lambda: self.give_up(contact_id))

    def callback(self, contact_id: int) -> None:
        contact = service.get(self.world.session, contact_id)
        if contact.status == "queued":
            service.request_callback(self.world.session, self.world.clock, contact)

    def give_up(self, contact_id: int) -> None:
        contact = service.get(self.world.session, contact_id)
        if contact.status == "queued":
            service.hangup(self.world.session, self.world.clock, contact)
            self.follow()

    def answer(self, contact_id: int, offer: int) -> None:
        world, rng = self.world, self.rng
        contact = service.get(world.session, contact_id)
        if contact.status != "offered" or contact.offers != offer:
            return
        service.answer(world.session, world.clock, contact)
        low, high = TALK_SECONDS.get(contact.segment, TALK_SECONDS["ordinary"])
        self.later(rng.randint(low, high), lambda: self.end(contact_id))

    def end(self, contact_id: int) -> None:
        world, rng = self.world, self.rng
        contact = service.get(world.session, contact_id)
        if contact.status != "connected":
            return
        service.end(world.session, world.clock, contact, by="agent" if rng.random() < 0.8 else "caller")
        service.dispose(world.session, world.clock, contact, resolved=rng.random() < RESOLVED_SHARE,
                        note=rng.choice(("已解答", "已查询话费并解释", "已指导重启光猫", "已登记，待回访", "已说明套餐内容")))
        agent = agents.get(world.session, contact.agent_id)
        self.later(rng.randint(10, max(11, agent.wrapup_seconds - 5)), lambda: self.wrapped(contact_id))

    def wrapped(self, contact_id: int) -> None:
        contact = service.get(self.world.session, contact_id)
        if contact.status == "wrapup":
            service.finish_wrapup(self.world.session, self.world.clock, contact)
            self.follow()

    def _caller(self) -> str:
        customers: list[Customer] = self.world.customers
        if customers and self.rng.random() < 0.88:
            customer = customers[self.rng.randrange(len(customers))]
            mobiles = [ln.number for ln in customer.lines if ln.kind == "mobile" and ln.status == "active"]
            return mobiles[0] if mobiles else customer.phone
        return "139" + "".join(str(self.rng.randint(0, 9)) for _ in range(8))  # not a subscriber of ours

    # --- agents' breaks --------------------------------------------------------------------------------

    def rest(self, agent_id: int, minutes: int) -> None:
        agent = agents.get(self.world.session, agent_id)
        if agent.state in ("available", "wrapup"):
            service.set_agent_state(self.world.session, self.world.clock, agent, "break", "rest")
            self.later(minutes * 60, lambda: self.back(agent_id))
        elif agent.state in ("ringing", "on_contact"):
            self.later(120, lambda: self.rest(agent_id, minutes))

    def back(self, agent_id: int) -> None:
        agent = agents.get(self.world.session, agent_id)
        if agent.state == "break":
            service.set_agent_state(self.world.session, self.world.clock, agent, "available")
            self.follow()

    def sign_out(self, agent_id: int) -> None:
        agent = agents.get(self.world.session, agent_id)
        if agent.state in ("ringing", "on_contact"):
            self.later(60, lambda: self.sign_out(agent_id))
            return
        service.set_agent_state(self.world.session, self.world.clock, agent, "offline")


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _agents(world: World) -> tuple[list[Agent], list[Agent]]:
    """The demo staff as agents, and the floor's own accounts."""
    session, clock = world.session, world.clock
    dispatch.sync_queues(session, current())
    demo = [agents.register(session, clock, world.staff[role].staff_id, skills=skills, expert=expert,
                            wrapup_seconds=wrapup)
            for role, skills, expert, wrapup in DEMO_AGENTS if role in world.staff]
    floor = []
    for username, name, skills, expert in FLOOR:
        user = create_staff(session, clock, username, username, ["agent"], name)
        floor.append(agents.register(session, clock, user.id, skills=skills, expert=expert,
                                     wrapup_seconds=FLOOR_WRAPUP))
    return demo, floor


def _arrivals(rng: random.Random, world: World, start: datetime, end: datetime, count: int) -> list[datetime]:
    tz = world.clock.tz
    hours = []
    moment = start
    while moment < end:
        hours.append(moment)
        moment += timedelta(hours=1)
    weights = [HOURLY[h.astimezone(tz).hour] for h in hours]
    times = []
    for hour in rng.choices(hours, weights=weights, k=count):
        at = hour + timedelta(seconds=rng.randint(0, 3599))
        if start <= at < end:
            times.append(at)
    return sorted(times)


def schedule(world: World, seed: int, subscribers: int) -> None:
    """Agents and the day's contacts on the world's timeline (before `world.run`)."""
    rng = random.Random(f"{seed}:hotline")
    desk = Desk(world, rng)
    end = world.now - timedelta(minutes=QUIET_MINUTES)
    start = world.now - timedelta(hours=HOURS)
    count = min(CONTACTS_MAX, max(30, round(subscribers * CONTACTS_PER_SUBSCRIBER)))

    def open_floor() -> None:
        demo, floor = _agents(world)
        for agent in [*demo, *floor]:
            service.set_agent_state(world.session, world.clock, agent, "available")
            for _ in range(2):  # two rests in the day
                desk.later(rng.randint(3600, HOURS * 3600 - 7200), lambda a=agent.id: desk.rest(a, rng.randint(10, 25)))
        for agent in demo:
            world.schedule(end + timedelta(minutes=QUIET_MINUTES // 2), lambda a=agent.id: desk.sign_out(a))

    world.schedule(start - timedelta(minutes=1), open_floor)
    for index, moment in enumerate(_arrivals(rng, world, start, end, count)):
        world.schedule(moment, lambda i=index: desk.arrive(i))
