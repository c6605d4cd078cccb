"""The routing engine alone (pure, no database): strict priority then the
longest waiting, the longest idle agent, targets that time out, VIP raises,
callbacks that keep their place."""

from __future__ import annotations

import pytest

from kindline.hotline import policy as policies
from kindline.hotline.routing import ReadyAgent, Router, WaitingContact, route, standing

POLICY = policies.parse({
    "vip_priority_per_level": 5,
    "elder": {"queue": "EXPERT"},
    "ivr": {"default": "demo"},
    "queues": [
        {"code": "GENERAL", "name": "综合", "skill": "general"},
        {"code": "BILLING", "name": "账单", "skill": "billing"},
        {"code": "EXPERT", "name": "长者专席", "skill": "general"},
    ],
    "rules": [
        {"code": "elderly", "match": {"queue": ["EXPERT"]}, "targets": [
            {"queue": "EXPERT", "tier": "expert", "min_proficiency": 4, "priority": 50, "timeout": 60},
            {"queue": "EXPERT", "priority": 50}]},
        {"code": "billing", "match": {"queue": ["BILLING"]}, "targets": [
            {"min_proficiency": 3, "priority": 10, "timeout": 30},
            {"queue": "GENERAL", "priority": 10}]},
        {"code": "default", "targets": [{"priority": 10}]},
    ],
})
T0 = 1_000_000.0


def contact(cid, queue="GENERAL", at=T0, segment="ordinary", vip=0, callback=False):
    return WaitingContact(cid, queue, segment, at, vip, callback)


def agent(aid, idle_since=T0, expert=False, **skills):
    return ReadyAgent(aid, skills or {"general": 3}, expert, idle_since)


def test_strict_priority_then_the_longest_waiting():
    contacts = [contact(1, at=T0), contact(2, at=T0 + 5, vip=2), contact(3, at=T0 - 30),
                contact(4, "EXPERT", at=T0 + 50, segment="elderly")]
    offers = route(POLICY, contacts, [agent(10, general=5, expert=True)], T0 + 60)
    assert [o.contact_id for o in offers] == [4]  # the elderly (50) first, though it came last
    router = Router(POLICY)
    for c in contacts:
        router.add_contact(c, T0 + 60)
    order = []
    for agent_id in range(20, 24):
        router.add_agent(agent(agent_id, general=5, expert=True))
        order.append(router.next_offer(T0 + 60).contact_id)
    assert order == [4, 2, 3, 1]  # then VIP (10 + 2x5), then first come first served
    assert router.next_offer(T0 + 60) is None


def test_among_eligible_agents_the_longest_idle_answers():
    agents = [agent(1, idle_since=T0 - 10), agent(2, idle_since=T0 - 300), agent(3, idle_since=T0 - 60),
              agent(4, idle_since=T0 - 900, billing=5)]  # idle longest but without the skill
    offers = route(POLICY, [contact(7)], agents, T0)
    assert [(o.contact_id, o.agent_id) for o in offers] == [(7, 2)]


def test_a_target_times_out_and_the_next_one_admits_more_agents():
    junior = agent(1, idle_since=T0 - 500, general=3)
    router = Router(POLICY)
    router.add_agent(junior)
    elder = contact(5, "EXPERT", at=T0, segment="elderly")
    router.add_contact(elder, T0)
    where = standing(POLICY, elder, T0 + 59.9)
    assert (where.stage, where.target.filter.expert_only, where.deadline) == (0, True, T0 + 60)
    assert router.next_offer(T0 + 59.9) is None  # experts of proficiency 4+ only, for 60 s
    assert router.next_deadline() == T0 + 60
    offer = router.next_offer(T0 + 60)
    assert (offer.contact_id, offer.agent_id, offer.stage, offer.priority) == (5, 1, 1, 50)


def test_an_expert_takes_the_elderly_before_the_timeout():
    agents = [agent(1, idle_since=T0 - 500, general=5), agent(2, idle_since=T0 - 10, general=4, expert=True),
              agent(3, idle_since=T0 - 20, general=3, expert=True)]
    offers = route(POLICY, [contact(5, "EXPERT", segment="elderly")], agents, T0 + 1)
    assert [(o.agent_id, o.queue, o.stage) for o in offers] == [(2, "EXPERT", 0)]


def test_overflow_to_another_queue_after_the_timeout():
    general_only = agent(1, general=5)
    assert route(POLICY, [contact(9, "BILLING")], [general_only], T0 + 29) == []
    offer = route(POLICY, [contact(9, "BILLING")], [general_only], T0 + 30)[0]
    assert (offer.queue, offer.rule, offer.stage) == ("GENERAL", "billing", 1)
    assert route(POLICY, [contact(9, "BILLING")], [agent(2, billing=2)], T0 + 10) == []  # below 3
    assert route(POLICY, [contact(9, "BILLING")], [agent(3, billing=3)], T0 + 10)[0].agent_id == 3


def test_a_callback_keeps_its_place_and_is_offered_when_it_reaches_the_front():
    router = Router(POLICY)
    first = contact(1, at=T0)
    router.add_contact(first, T0)
    router.add_contact(contact(2, at=T0 + 10), T0 + 10)
    router.add_contact(contact(1, at=T0, callback=True), T0 + 40)  # the caller chose a callback at 40 s
    router.add_contact(contact(3, at=T0 + 50), T0 + 50)
    router.add_agent(agent(8))
    offer = router.next_offer(T0 + 60)
    assert (offer.contact_id, offer.callback) == (1, True)
    router.add_agent(agent(9))
    assert router.next_offer(T0 + 60).contact_id == 2


def test_an_unanswered_contact_goes_back_to_its_place():
    router = Router(POLICY)
    for cid, at in ((1, T0), (2, T0 + 5)):
        router.add_contact(contact(cid, at=at), T0 + 5)
    router.add_agent(agent(8))
    assert router.next_offer(T0 + 6).contact_id == 1
    router.add_contact(contact(1, at=T0), T0 + 21)  # rang 15 s without an answer
    router.add_agent(agent(9))
    assert router.next_offer(T0 + 21).contact_id == 1


def test_removed_contacts_and_agents_are_never_offered():
    router = Router(POLICY)
    router.add_contact(contact(1), T0)
    router.add_contact(contact(2, at=T0 + 1), T0 + 1)
    router.add_agent(agent(8))
    router.add_agent(agent(9, idle_since=T0 - 5))
    router.remove_contact(1)
    router.remove_agent(9)
    offer = router.next_offer(T0 + 2)
    assert (offer.contact_id, offer.agent_id) == (2, 8)
    assert router.waiting_count() == 0 and router.available_count() == 0


def test_the_default_policy_file_is_valid_and_routes_every_queue():
    policy = policies.load()
    assert policy.elder_queue == "EXPERT" and policy.ivr_flow_for("10000") == "demo"
    elder = policy.rule_for("EXPERT", "elderly")
    assert elder.targets[0].filter == policies.AgentFilter("general", 4, True) and elder.ends[0] == 60
    assert elder.targets[0].priority > policy.rule_for("GENERAL", "vip").targets[0].priority + policy.boost(7)
    with pytest.raises(ValueError, match="unknown queue"):
        policies.parse({"queues": [{"code": "A", "name": "a", "skill": "s"}], "elder": {"queue": "A"},
                        "ivr": {"default": "demo"}, "rules": [{"code": "r", "targets": [{"queue": "B"}]}]})


def test_a_deadline_reached_in_floating_point_moves_the_contact_once():
    """now - enqueued < 60 while enqueued + 60 <= now: the stage must follow the
    deadline's own sum, or the contact would be moved back to where it was forever."""
    enqueued, now = 2034.1474687900356, 2094.1474687900354
    assert now - enqueued < 60 <= now - enqueued + 1e-9 and enqueued + 60 <= now
    router = Router(POLICY)
    router.add_contact(contact(1, "EXPERT", at=enqueued, segment="elderly"), enqueued)
    assert router.next_offer(now) is None and router.next_deadline() is None
    router.add_agent(agent(2, general=1))
    assert router.next_offer(now).stage == 1


def test_one_rule_over_two_queues_keeps_each_queues_skill():
    policy = policies.parse({
        "elder": {"queue": "A"}, "ivr": {"default": "demo"},
        "queues": [{"code": "A", "name": "a", "skill": "alpha"}, {"code": "B", "name": "b", "skill": "beta"}],
        "rules": [{"code": "both", "match": {"queue": ["A", "B"]}, "targets": [{"priority": 1}]}]})
    offers = route(policy, [contact(1, "A"), contact(2, "B", at=T0 + 1)],
                   [agent(8, beta=1), agent(9, idle_since=T0 + 5, alpha=1)], T0 + 10)
    assert sorted((o.contact_id, o.agent_id, o.rule) for o in offers) == [(1, 9, "both@A"), (2, 8, "both@B")]
