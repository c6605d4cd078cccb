"""Simulated contacts per second (issue 5): kindline's hotline simulator
against ciw on the same M/M/N scenario with two priority classes, side by side
in one run. Prints figures; asserts nothing. Target: at least 5 times ciw.

    .venv/bin/python bench/hotline_sim.py [--agents 50] [--load 42] [--hours 6]

kindline's figure is the whole run as `kindline simulate hotline` does it:
the real routing engine, the event log records, and (timed apart) the KPI
report from kpi.from_events. ciw runs the same arrivals, service and priority.
"""

from __future__ import annotations

import argparse
import time

import ciw

from kindline.hotline import sim_mmn, simulator


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--load", type=float, default=42.0, help="Erlangs offered")
    parser.add_argument("--aht", type=float, default=180.0)
    parser.add_argument("--high-share", type=float, default=0.3)
    parser.add_argument("--hours", type=int, default=6)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    print(f"M/M/{args.agents}, {args.load} Erlangs, AHT {args.aht:.0f} s, two classes ({args.high_share:.0%} high), "
          f"{args.hours} h")

    scenario = sim_mmn.scenario(args.agents, args.load, args.aht, args.hours, high_share=args.high_share,
                                seed=args.seed)
    start = time.perf_counter()
    result = simulator.run(scenario, sim_mmn.policy())
    ours = time.perf_counter() - start
    start = time.perf_counter()
    simulator.report(result)
    report = time.perf_counter() - start
    contacts = len(result.contacts)

    rate = args.load / args.aht
    network = ciw.create_network(
        arrival_distributions={"high": [ciw.dists.Exponential(rate * args.high_share)],
                               "low": [ciw.dists.Exponential(rate * (1 - args.high_share))]},
        service_distributions={"high": [ciw.dists.Exponential(1 / args.aht)],
                               "low": [ciw.dists.Exponential(1 / args.aht)]},
        priority_classes={"high": 0, "low": 1}, number_of_servers=[args.agents])
    ciw.seed(args.seed)
    start = time.perf_counter()
    run = ciw.Simulation(network)
    run.simulate_until_max_time(args.hours * 3600)
    theirs = time.perf_counter() - start
    ciw_contacts = len(run.get_all_records())

    print(f"kindline  {contacts:>7} contacts  {ours:6.2f} s  {contacts / ours:>9,.0f} contacts/s "
          f"({len(result.events):,} log records; KPI report {report:.2f} s more)")
    print(f"ciw       {ciw_contacts:>7} contacts  {theirs:6.2f} s  {ciw_contacts / theirs:>9,.0f} contacts/s")
    print(f"ratio     {(contacts / ours) / (ciw_contacts / theirs):.1f}x ciw (target >= 5x)")


if __name__ == "__main__":
    main()
