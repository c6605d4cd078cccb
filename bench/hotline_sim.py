"""Simulated contacts per second (issue 5): kindline's hotline simulator
against ciw on the same M/M/N scenario with two priority classes, side by side
in one run. Prints figures; asserts nothing. Target: at least 5 times ciw.

    .venv/bin/python bench/hotline_sim.py [--agents 50] [--load 42] [--hours 6] [--rounds 5]

kindline's figure is the whole run as `kindline simulate hotline` does it:
the real routing engine and the event log records. What a report adds is
timed apart: turning the log into event records with datetimes (which the
run leaves to the edge) and the KPI report from kpi.from_events. ciw runs the
same arrivals, service and priority.

The two take turns, `--rounds` times, and each round's figures are CPU
seconds of this process (time.process_time): on a machine shared with other
work, wall time mostly measures the neighbours. The ratio is per round, the
two sides measured moments apart; the range over rounds is the honest figure.
"""

from __future__ import annotations

import argparse
import statistics
import time

import ciw

from kindline.hotline import sim_mmn, simulator


def ours(args: argparse.Namespace) -> tuple[int, float, float, int]:
    """Contacts, CPU seconds of the run, CPU seconds of the report after it, event records."""
    scenario = sim_mmn.scenario(args.agents, args.load, args.aht, args.hours, high_share=args.high_share,
                                seed=args.seed)
    start = time.process_time()
    result = simulator.run(scenario, sim_mmn.policy())
    run = time.process_time() - start
    start = time.process_time()
    simulator.report(result)
    report = time.process_time() - start
    return len(result.contacts), run, report, len(result.events)


def theirs(args: argparse.Namespace) -> tuple[int, float]:
    rate = args.load / args.aht
    network = ciw.create_network(
        arrival_distributions={"high": [ciw.dists.Exponential(rate * args.high_share)],
                               "low": [ciw.dists.Exponential(rate * (1 - args.high_share))]},
        service_distributions={"high": [ciw.dists.Exponential(1 / args.aht)],
                               "low": [ciw.dists.Exponential(1 / args.aht)]},
        priority_classes={"high": 0, "low": 1}, number_of_servers=[args.agents])
    ciw.seed(args.seed)
    start = time.process_time()
    run = ciw.Simulation(network)
    run.simulate_until_max_time(args.hours * 3600)
    seconds = time.process_time() - start
    return len(run.get_all_records()), seconds


def spread(values: list[float]) -> str:
    return f"{min(values):>9,.0f} – {max(values):>9,.0f} (median {statistics.median(values):,.0f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--load", type=float, default=42.0, help="Erlangs offered")
    parser.add_argument("--aht", type=float, default=180.0)
    parser.add_argument("--high-share", type=float, default=0.3)
    parser.add_argument("--hours", type=int, default=6)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print(f"M/M/{args.agents}, {args.load} Erlangs, AHT {args.aht:.0f} s, two classes ({args.high_share:.0%} high), "
          f"{args.hours} h, {args.rounds} rounds")
    mine, yours, ratios, reports = [], [], [], []
    for _ in range(args.rounds):
        contacts, run, report, records = ours(args)
        ciw_contacts, ciw_run = theirs(args)
        mine.append(contacts / run)
        yours.append(ciw_contacts / ciw_run)
        ratios.append(mine[-1] / yours[-1])
        reports.append(report)
    print(f"kindline  {contacts:>7} contacts  {spread(mine)} contacts/s "
          f"({records:,} log events; report {min(reports):.2f}–{max(reports):.2f} s more)")
    print(f"ciw       {ciw_contacts:>7} contacts  {spread(yours)} contacts/s")
    print(f"ratio     {min(ratios):.1f}–{max(ratios):.1f}x ciw, median {statistics.median(ratios):.1f}x (target >= 5x)")


if __name__ == "__main__":
    main()
