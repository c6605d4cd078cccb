"""The hall simulator: the same day for the same seed, the real engine (the
green channel waits least), scenario files checked before anything runs,
and `kindline simulate hall` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from kindline.cli import app
from kindline.core.errors import Invalid
from kindline.halls import scenario as scenarios
from kindline.halls import simulator
from kindline.halls.cli import run_scenario

SMALL = {
    "name": "小营业厅的上午", "seed": 7, "date": "2026-11-21", "opens": "09:00", "closes": "11:00",
    "arrivals_per_hour": {9: 30, 10: 24},
    "category_mix": {"business": 3, "payment": 2, "consultation": 1},
    "handling_minutes": {"business": 6, "payment": 3, "consultation": 4},
    "green_share": 0.2, "vip_share": 0.1, "no_show_share": 0.05, "remote_share": 0.1,
    "counters": [2, 3], "wait_target_minutes": 10,
}
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "halls" / "xinjiekou_saturday.yaml"


def test_the_same_seed_gives_the_same_day_and_another_seed_another():
    scenario = scenarios.parse(SMALL)
    first = run_scenario(scenario, [2])
    assert first == run_scenario(scenario, [2])
    other = run_scenario(scenarios.parse({**SMALL, "seed": 8}), [2])
    assert other[0][1]["tickets"] != first[0][1]["tickets"]


def test_more_counters_shorten_the_wait_of_the_same_visitors_and_the_green_channel_waits_least():
    said: list[str] = []
    results = run_scenario(scenarios.parse(SMALL), [2, 3], said.append)
    rows = [simulator.summary(count, figures) for count, figures in results]
    assert rows[0]["tickets"] == rows[1]["tickets"] > 30  # the same visitors
    assert rows[1]["mean_wait_seconds"] < rows[0]["mean_wait_seconds"]
    for count, figures in results:
        waits = figures["waits"]
        assert waits["green_channel"]["mean_seconds"] <= waits["ordinary"]["mean_seconds"]
        assert figures["handling"]["all"]["count"] + figures["no_shows"]["count"] == waits["all"]["count"]
        assert waits["not_called"] == 0  # the day ends with every visitor seen
    assert "== 2 个窗口 ==" in said and any("已取号" in line for line in said)
    assert simulator.fewest_within(rows, 10_000) == 2 and simulator.fewest_within(rows, 0) is None


@pytest.mark.parametrize("change, field", [
    ({"category_mix": {"lottery": 1}}, "category_mix"),
    ({"green_share": 1.5}, "green_share"),
    ({"arrivals_per_hour": {22: 10}}, "arrivals_per_hour"),
    ({"closes": "08:00"}, "closes"),
    ({"handling_minutes": {"business": 6}}, "handling_minutes"),
    ({"counters": [0]}, "counters"),
    ({"date": "2026-13-01"}, "date"),
])
def test_a_bad_scenario_is_refused_naming_the_field(change, field):
    with pytest.raises(Invalid) as refused:
        scenarios.parse({**SMALL, **change})
    assert refused.value.detail == {"field": field} and field in refused.value.message


def test_the_example_scenario_is_valid():
    scenario = scenarios.load(EXAMPLE)
    assert scenario.counters == (3, 4, 5, 6) and scenario.opens.hour == 9 and scenario.closes.hour == 20


def test_the_command_line(tmp_path):
    path = tmp_path / "day.yaml"
    path.write_text(yaml.safe_dump(SMALL, allow_unicode=True), encoding="utf-8")
    runner = CliRunner()
    shown = runner.invoke(app, ["simulate", "hall", str(path), "--counters", "2"])
    assert shown.exit_code == 0, shown.output
    assert "平均等候" in shown.output and "结论" in shown.output and "已取号" in shown.output
    as_json = runner.invoke(app, ["simulate", "hall", str(path), "--counters", "2", "--json"])
    assert as_json.exit_code == 0
    body = json.loads(as_json.output)
    assert body["runs"][0]["counters"] == 2 and body["seed"] == 7
    reseeded = json.loads(runner.invoke(app, ["simulate", "hall", str(path), "--counters", "2", "--json",
                                              "--seed", "9"]).output)
    assert reseeded["seed"] == 9
