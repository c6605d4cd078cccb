"""Routing decision latency (issue 5): the hotline routing engine with 1,000
agents and 5,000 waiting contacts, under the demo routing policy. Prints
figures; asserts nothing. Target: p99 under 1 ms per decision.

    .venv/bin/python bench/hotline_routing.py [--agents 1000] [--waiting 5000] [--decisions 20000]

Three measurements, all on kindline.hotline.routing exactly as the service and
the simulator call it:

- agent frees up: every agent is busy and 5,000 contacts wait; an agent becomes
  available and the engine picks the contact they take (add_agent + next_offer),
  then a new caller arrives so 5,000 keep waiting. The clock moves 0.2 s per
  decision, so contacts cross their routing timeouts (elderly: experts for
  60 s, then anyone; broadband: 30 s, 90 s, then general) during the run.
- caller arrives: half the agents are idle; a caller arrives and the engine
  picks the longest idle eligible agent (add_contact + next_offer); the agent
  is freed again after the decision so the floor stays the same.
- rebuild: routing.route from plain lists of 5,000 contacts and 1,000 agents
  (what service.dispatch does with the rows it read, per dispatch).

The first two run twice: as above (add, then a full decision: the live
path), and through Router.free / Router.arrive on a settled engine (one
decision about the newcomer: the simulator's path).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from kindline.hotline import policy as policies
from kindline.hotline.routing import ReadyAgent, Router, WaitingContact, route

QUEUES = ("GENERAL", "BILLING", "BROADBAND", "BUSINESS")
SKILLS = ("general", "billing", "broadband", "business")


def make_agent(rng: random.Random, agent_id: int, idle_since: float) -> ReadyAgent:
    skills = {"general": rng.randint(1, 5)}
    for skill in rng.sample(SKILLS[1:], rng.randint(0, 3)):
        skills[skill] = rng.randint(1, 5)
    return ReadyAgent(agent_id, skills, rng.random() < 0.1, idle_since)


def make_contact(rng: random.Random, contact_id: int, at: float) -> WaitingContact:
    roll = rng.random()
    if roll < 0.15:
        return WaitingContact(contact_id, "EXPERT", "elderly", at)
    vip = rng.randint(1, 7) if roll < 0.25 else 0
    return WaitingContact(contact_id, rng.choice(QUEUES), "vip" if vip else "ordinary", at, vip, rng.random() < 0.03)


def summary(label: str, samples: list[float]) -> None:
    samples.sort()
    micro = [s * 1e6 for s in samples]
    p99 = micro[min(len(micro) - 1, int(0.99 * len(micro)))]
    print(f"  {label:<16} n={len(samples):>6}  median {statistics.median(micro):7.1f} µs  "
          f"p99 {p99:7.1f} µs  max {micro[-1]:8.1f} µs")


def agent_frees_up(policy, rng, agents: int, waiting: int, decisions: int, settled: bool = False) -> list[float]:
    router, now = Router(policy), 0.0
    for cid in range(waiting):  # arrived over the last 10 minutes
        router.add_contact(make_contact(rng, cid, now - 600 * rng.random()), now)
    floor = [make_agent(rng, aid, now) for aid in range(agents)]
    router.offers(now)  # none (nobody is free): the engine is settled
    next_id, samples, offered = waiting, [], 0
    for _ in range(decisions):
        now += 0.2
        agent = rng.choice(floor)
        freed = ReadyAgent(agent.id, agent.skills, agent.expert, now)
        start = time.perf_counter()
        if settled:
            offer = router.free(freed, now)
        else:
            router.add_agent(freed)
            offer = router.next_offer(now)
        samples.append(time.perf_counter() - start)
        if offer is None:
            router.remove_agent(freed.id)  # nobody they may take: back to work on something else
        else:
            offered += 1
            if settled:
                router.arrive(make_contact(rng, next_id, now), now)
            else:
                router.add_contact(make_contact(rng, next_id, now), now)
            next_id += 1
    print(f"  (agent frees up: {offered} of {decisions} decisions made an offer; "
          f"{router.waiting_count()} waiting at the end)")
    return samples


def caller_arrives(policy, rng, agents: int, waiting: int, decisions: int, settled: bool = False) -> list[float]:
    router, now = Router(policy), 0.0
    floor = [make_agent(rng, aid, now - 300 * rng.random()) for aid in range(agents)]
    for agent in floor[: agents // 2]:
        router.add_agent(agent)
    by_id = {a.id: a for a in floor}
    router.offers(now)  # none (nobody waits): the engine is settled
    samples = []
    for cid in range(decisions):
        now += 0.2
        start = time.perf_counter()
        if settled:
            offer = router.arrive(make_contact(rng, cid, now), now)
        else:
            router.add_contact(make_contact(rng, cid, now), now)
            offer = router.next_offer(now)
        samples.append(time.perf_counter() - start)
        if offer is None:
            router.remove_contact(cid)
        else:
            agent = by_id[offer.agent_id]
            again = ReadyAgent(agent.id, agent.skills, agent.expert, now)
            if settled:
                router.free(again, now)
            else:
                router.add_agent(again)
    return samples


def rebuild(policy, rng, agents: int, waiting: int, rounds: int) -> list[float]:
    contacts = [make_contact(rng, cid, -600 * rng.random()) for cid in range(waiting)]
    floor = [make_agent(rng, aid, -300 * rng.random()) for aid in range(agents)]
    idle = floor[:10]  # a few agents free: the usual state of a busy floor
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        route(policy, contacts, idle, 0.0)
        samples.append(time.perf_counter() - start)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--waiting", type=int, default=5000)
    parser.add_argument("--decisions", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    policy = policies.load()
    print(f"hotline routing: {args.agents} agents, {args.waiting} waiting contacts, demo policy "
          f"({len(policy.filters())} agent filters)")
    summary("agent frees up", agent_frees_up(policy, random.Random(args.seed), args.agents, args.waiting,
                                              args.decisions))
    summary("caller arrives", caller_arrives(policy, random.Random(args.seed), args.agents, args.waiting,
                                             args.decisions))
    summary("frees (settled)", agent_frees_up(policy, random.Random(args.seed), args.agents, args.waiting,
                                              args.decisions, settled=True))
    summary("arrives (settl.)", caller_arrives(policy, random.Random(args.seed), args.agents, args.waiting,
                                               args.decisions, settled=True))
    summary("rebuild", rebuild(policy, random.Random(args.seed), args.agents, args.waiting, 50))


if __name__ == "__main__":
    main()
