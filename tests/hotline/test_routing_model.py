"""The routing engine against a brute force of the policy's words, on random
histories: whatever the heaps, tokens, plans and settled shortcuts do, every
offer must be the one the plain rule gives (strict priority, then the longest
waiting; among the agents the target in force admits, the longest idle)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kindline.hotline.routing import Offer, ReadyAgent, Router, WaitingContact, standing
from tests.hotline.test_routing import POLICY

QUEUES = ("GENERAL", "BILLING", "EXPERT")
SEGMENTS = ("ordinary", "vip", "elderly")
SKILL_SETS = ({"general": 1}, {"general": 3}, {"general": 5}, {"billing": 2}, {"billing": 4, "general": 2})


def brute_offer(contacts: dict[int, WaitingContact], agents: dict[int, ReadyAgent], now: float) -> Offer | None:
    """The rule in plain words, by looking at everyone."""
    ranked = sorted(((standing(POLICY, c, now), c) for c in contacts.values()),
                    key=lambda pair: (-pair[0].priority, pair[1].enqueued_at, pair[1].id))
    for where, contact in ranked:
        eligible = [a for a in agents.values() if where.target.filter.admits(dict(a.skills), a.expert)]
        if eligible:
            agent = min(eligible, key=lambda a: (a.idle_since, a.id))
            del contacts[contact.id], agents[agent.id]
            return Offer(contact.id, agent.id, where.target.queue, where.priority, where.rule.code, where.stage,
                         contact.callback)
    return None


def drain(contacts: dict, agents: dict, now: float) -> list[Offer]:
    found = []
    while (offer := brute_offer(contacts, agents, now)) is not None:
        found.append(offer)
    return found


contact_op = st.tuples(st.just("contact"), st.integers(1, 8), st.sampled_from(QUEUES), st.sampled_from(SEGMENTS),
                       st.integers(0, 3), st.integers(0, 90), st.booleans())
agent_op = st.tuples(st.just("agent"), st.integers(1, 6), st.integers(0, len(SKILL_SETS) - 1), st.booleans(),
                     st.integers(0, 90))
other_op = st.tuples(st.sampled_from(("decide", "remove_contact", "remove_agent", "wait")), st.integers(1, 8),
                     st.integers(0, 70))
history = st.lists(st.tuples(st.booleans(), st.one_of(contact_op, agent_op, other_op)), max_size=40)


@settings(max_examples=300, deadline=None)
@given(history)
def test_every_offer_is_the_brute_force_one(steps):
    router, contacts, agents, now = Router(POLICY), {}, {}, 1000.0
    for incremental, op in steps:
        if op[0] == "contact":  # arrives, or comes back to its place (an earlier enqueued_at)
            _, cid, queue, segment, vip, ago, callback = op
            if segment == "elderly":
                queue = "EXPERT"
            contact = WaitingContact(cid, queue, segment, now - ago, vip if segment == "vip" else 0, callback)
            contacts[cid] = contact
            if incremental:  # the simulator's way: one decision for the newcomer, then more if unsettled
                first = router.arrive(contact, now)
                got = ([first] if first else []) + router.offers(now)
                assert got == drain(contacts, agents, now)
            else:
                router.add_contact(contact, now)
        elif op[0] == "agent":
            _, aid, skills, expert, ago = op
            agent = ReadyAgent(aid, dict(SKILL_SETS[skills]), expert, now - ago)
            agents[aid] = agent
            if incremental:
                first = router.free(agent, now)
                got = ([first] if first else []) + router.offers(now)
                assert got == drain(contacts, agents, now)
            else:
                router.add_agent(agent)
        elif op[0] == "decide":
            assert router.offers(now) == drain(contacts, agents, now)
        elif op[0] == "remove_contact":
            assert (router.remove_contact(op[1]) is not None) == (contacts.pop(op[1], None) is not None)
        elif op[0] == "remove_agent":
            assert router.remove_agent(op[1]) == (agents.pop(op[1], None) is not None)
        else:  # time passes: contacts may cross a routing timeout
            now += op[2]
        assert router.waiting_count() == len(contacts) and router.available_count() == len(agents)
    assert router.offers(now) == drain(contacts, agents, now)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 6), st.sampled_from(("GENERAL", "BILLING")), st.integers(0, 120)),
                min_size=1, max_size=12))
def test_the_wake_up_is_the_next_moment_a_contact_changes_target(arrivals):
    """With agents available but not admitted, the engine names when to decide
    again: the earliest moment a waiting contact's target changes."""
    router, now = Router(POLICY), 1000.0
    router.add_agent(ReadyAgent(99, {"general": 1}, False, 0.0))  # only the last targets admit them
    waiting = {}
    for cid, queue, ago in arrivals:
        contact = WaitingContact(cid, queue, "ordinary", now - ago)
        waiting[cid] = contact
        router.add_contact(contact, now)
    offers = router.offers(now)
    for offer in offers:
        del waiting[offer.contact_id]
    deadlines = [d for c in waiting.values() if (d := standing(POLICY, c, now).deadline) is not None]
    expected = min(deadlines) if deadlines and router.available_count() else None
    assert router.wake_at() == expected
