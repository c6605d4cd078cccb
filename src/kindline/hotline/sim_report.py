"""What `kindline simulate hotline` writes: the day's KPI report (JSON), a
per-interval table (CSV) and a chart (SVG), and the command itself.

Why per-interval figures come from kpi.from_events too: a planner compares the
10:00 half hour of the simulation with the 10:00 half hour of the wallboard,
so both must be the same definition. Each interval gets only the events it
needs (its cohort's contact events, and each agent's last state before it plus
the states within it), so the table costs one pass over the log, not one per
interval.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from kindline.hotline import kpi
from kindline.hotline.simulator import Result, report, run

COLUMNS = ("interval", "offered", "answered", "abandoned", "service_level", "vip_service_level",
           "elderly_service_level", "asa_seconds", "abandonment_rate", "agents_staffed", "occupancy")


def intervals(result: Result) -> list[dict[str, Any]]:
    """One row per interval of the scenario's forecast, by the callers' arrival time."""
    s = result.scenario
    starts = sorted(s.arrivals)
    step = s.interval_seconds

    def slot(seconds: float) -> int:
        return min(len(starts) - 1, max(0, int((seconds - starts[0]) // step)))

    arrived = {cid: slot(at) for cid, (at, _, _) in enumerate(result.contacts, start=1)}
    cohorts: dict[int, list] = defaultdict(list)
    states: dict[int, list] = defaultdict(list)
    latest: dict[int, Any] = {}
    snapshots: list[list] = []
    boundary = 0
    for event in result.events:
        if event.contact_id is not None:
            cohorts[arrived[event.contact_id]].append(event)
            continue
        seconds = (event.at - result.moment(0)).total_seconds()
        while boundary < len(starts) and seconds >= starts[boundary]:
            snapshots.append(list(latest.values()))
            boundary += 1
        latest[event.agent_id] = event
        if boundary:
            states[boundary - 1].append(event)
    while len(snapshots) < len(starts):
        snapshots.append(list(latest.values()))
    now = result.moment(max(result.end, starts[-1] + step))
    rows = []
    for index, start in enumerate(starts):
        events = sorted(cohorts[index] + snapshots[index] + states[index], key=lambda e: e.id)
        figures = kpi.from_events(events, now, result.moment(start), result.moment(start + step))
        staffed = figures["occupancy"]["staffed_seconds"] / step
        clock = (result.moment(0) + timedelta(seconds=start)).strftime("%H:%M")
        rows.append({"interval": clock, "offered": figures["contacts"]["entered_queue"],
                     "answered": figures["contacts"]["answered"], "abandoned": figures["contacts"]["abandoned"],
                     "service_level": figures["all"]["service_level"],
                     "vip_service_level": figures["by_segment"]["vip"]["service_level"],
                     "elderly_service_level": figures["by_segment"]["elderly"]["service_level"],
                     "asa_seconds": figures["all"]["asa_seconds"],
                     "abandonment_rate": figures["all"]["abandonment_rate"],
                     "agents_staffed": round(staffed, 1), "occupancy": figures["occupancy"]["rate"]})
    return rows


def write_csv(rows: list[dict[str, Any]], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


def chart(rows: list[dict[str, Any]], title: str) -> str:
    """Service level per interval against the 80% target, as an SVG document."""
    from kindline.web.charts import Series, bar_chart

    labels = [r["interval"] for r in rows]
    values = [None if r["service_level"] is None else round(100 * r["service_level"], 1) for r in rows]
    svg = bar_chart(labels, [Series("20秒接通率", values)], title=title, unit="%", maximum=100,
                    targets=[100 * kpi.TARGETS["ordinary"]] * len(rows))
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + str(svg)


def simulate_hotline(
    scenario_file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="scenario YAML")],
    out: Annotated[Path, typer.Option(help="directory for report.json, intervals.csv, service_level.svg")] = Path(
        "hotline_sim"),
    seed: Annotated[int | None, typer.Option(help="override the scenario's seed")] = None,
) -> None:
    """Play a day of the hotline through the real routing engine on a virtual clock; write KPIs, table, chart."""
    from dataclasses import replace

    from kindline.hotline import scenario as scenarios

    scenario = scenarios.load(scenario_file)
    if seed is not None:
        scenario = replace(scenario, seed=seed)
    agents = sum(shift.count for shift in scenario.roster)
    typer.echo(f"模拟：{scenario.name}  {scenario.day}  种子 {scenario.seed}，预计来电 "
               f"{round(sum(scenario.arrivals.values()))} 通，坐席 {agents} 人", err=True)
    result = run(scenario, progress=lambda done: typer.echo(f"  {done}%", err=True))
    figures = report(result)
    rows = intervals(result)
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps({"scenario": scenario.name, "seed": scenario.seed, **figures},
                                                ensure_ascii=False, indent=2), encoding="utf-8")
    write_csv(rows, out / "intervals.csv")
    (out / "service_level.svg").write_text(chart(rows, f"{scenario.name}：各时段20秒接通率"), encoding="utf-8")
    seg = figures["by_segment"]

    def pct(value: float | None) -> str:
        return "—" if value is None else f"{value:.1%}"

    typer.echo(f"来电 {figures['contacts']['entered_queue']}  接通 {figures['contacts']['answered']}  "
               f"放弃 {figures['contacts']['abandoned']}  坐席占用率 {pct(figures['occupancy']['rate'])}")
    typer.echo(f"20秒接通率  VIP {pct(seg['vip']['service_level'])}  普通 {pct(seg['ordinary']['service_level'])}  "
               f"长者 {pct(seg['elderly']['service_level'])}  全部 {pct(figures['all']['service_level'])}")
    typer.echo(f"写出：{out / 'report.json'}  {out / 'intervals.csv'}  {out / 'service_level.svg'}")
