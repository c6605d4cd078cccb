"""`kindline simulate hall SCENARIO.yaml`: a day of a hall with each number
of counters the scenario lists, on a throw-away in-memory database, printing
progress, the KPIs of each run and the fewest counters that keep the average
wait within the target."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer


def _minutes(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds / 60:.1f}分"


def run_scenario(scenario, counts: list[int], progress: Callable[[str], None] = lambda _: None
                 ) -> list[tuple[int, dict[str, Any]]]:
    """Each count on its own fresh database, so one run cannot disturb the next."""
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session
    from sqlalchemy.pool import StaticPool

    from kindline.core.clock import VirtualClock
    from kindline.core.settings import get_settings
    from kindline.halls import simulator
    from kindline.models import metadata

    results = []
    for count in counts:
        engine = create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
        metadata.create_all(engine)
        clock = VirtualClock(datetime.combine(scenario.day, scenario.opens), get_settings().timezone)
        try:
            with Session(engine) as session:
                progress(f"== {count} 个窗口 ==")
                results.append((count, simulator.run(session, clock, scenario, count, progress)))
        finally:
            engine.dispose()
    return results


def simulate_hall(
    scenario_file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="scenario YAML")],
    counters: Annotated[list[int] | None, typer.Option("--counters", help="open counters to try (repeat)")] = None,
    seed: Annotated[int | None, typer.Option(help="override the scenario's seed")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the KPIs of every run as JSON")] = False,
) -> None:
    """Play a day of a hall through the real calling engine on a virtual clock and report the KPIs."""
    from dataclasses import replace

    from kindline.halls import scenario as scenarios
    from kindline.halls import simulator
    from kindline.halls.types import HANDLING_TARGET_SECONDS

    scenario = scenarios.load(scenario_file)
    if seed is not None:
        scenario = replace(scenario, seed=seed)
    counts = sorted(set(counters)) if counters else list(scenario.counters)
    if any(not 1 <= n <= 50 for n in counts):
        raise typer.BadParameter("counters must be 1..50")
    echo = (lambda _: None) if as_json else typer.echo
    echo(f"模拟：{scenario.name}  {scenario.day}  {scenario.opens:%H:%M}-{scenario.closes:%H:%M}  "
         f"种子 {scenario.seed}，预计到厅 {round(sum(scenario.arrivals_per_hour.values()))} 人")
    results = run_scenario(scenario, counts, echo)
    rows = [simulator.summary(count, figures) for count, figures in results]
    if as_json:
        typer.echo(json.dumps({"scenario": scenario.name, "seed": scenario.seed, "runs": rows,
                               "kpis": {str(c): f for c, f in results}}, ensure_ascii=False, indent=2, default=str))
        return
    typer.echo("")
    typer.echo("窗口数  取号  平均等候  90%等候  绿色通道平均等候  平均办理  过号  失效  窗口利用率")
    for row in rows:
        used = "—" if row["utilisation"] is None else f"{row['utilisation']:.0%}"
        typer.echo(f"{row['counters']:>4}  {row['tickets']:>6}  {_minutes(row['mean_wait_seconds']):>8}  "
                   f"{_minutes(row['p90_wait_seconds']):>7}  {_minutes(row['green_mean_wait_seconds']):>14}  "
                   f"{_minutes(row['mean_handling_seconds']):>8}  {row['no_shows']:>4}  {row['expired']:>4}  {used:>8}")
    fewest = simulator.fewest_within(rows, scenario.wait_target_minutes)
    target = f"{scenario.wait_target_minutes:g}"
    if fewest is None:
        typer.echo(f"结论：所试窗口数都不能使平均等候不超过 {target} 分钟，请增加窗口数再试。")
    else:
        typer.echo(f"结论：平均等候不超过 {target} 分钟，至少需要开放 {fewest} 个窗口。")
    handled = rows[0]["mean_handling_seconds"] if rows else None
    if handled is not None:
        verdict = "达标" if handled <= HANDLING_TARGET_SECONDS else "未达标"
        typer.echo(f"平均办理时长 {handled / 60:.1f} 分钟（目标 8 分钟以内）：{verdict}。")
