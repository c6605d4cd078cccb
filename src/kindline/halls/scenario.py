"""A hall simulation scenario: a day of a hall as YAML (examples/halls/*.yaml).

Everything a person may get wrong in the file is checked here, with the
field named in Chinese and English, before a single visitor is simulated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from typing import Any

import yaml

from kindline.core.errors import Invalid
from kindline.halls.types import CATEGORIES, COUNTER_KINDS


@dataclass(frozen=True)
class CounterSpec:
    kind: str
    categories: tuple[str, ...]


@dataclass(frozen=True)
class Scenario:
    name: str
    seed: int
    day: date
    opens: time
    closes: time
    arrivals_per_hour: dict[int, float]
    category_mix: dict[str, float]
    handling_minutes: dict[str, float]
    green_share: float = 0.15
    vip_share: float = 0.05
    no_show_share: float = 0.03
    remote_share: float = 0.0
    counters: tuple[int, ...] = (4,)  # numbers of open counters to try
    layout: tuple[CounterSpec, ...] = field(default_factory=tuple)
    wait_target_minutes: float = 15.0
    handling_spread: float = 0.5  # sigma of the log-normal handling time

    def desks(self, count: int) -> list[CounterSpec]:
        """The first `count` counters: the layout's, else one care counter,
        one VIP counter from three counters up, and general counters."""
        if self.layout:
            return list(self.layout[:count])
        every = tuple(self.category_mix)
        kinds = ["care"] + (["vip"] if count >= 3 and self.vip_share > 0 else [])
        kinds += ["general"] * (count - len(kinds))
        return [CounterSpec(kind, every) for kind in kinds[:count]]


def _bad(field_name: str, rule: str, value: Any) -> Invalid:
    return Invalid("invalid_scenario", f"场景文件的 {field_name} {rule}。", f"scenario field {field_name}: {rule}: {value!r}",
                   {"field": field_name})


def _share(data: dict, key: str, default: float) -> float:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise _bad(key, "应为 0 到 1 之间的比例", value)
    return float(value)


def _weights(data: dict, key: str) -> dict[str, float]:
    raw = data.get(key)
    if not isinstance(raw, dict) or not raw:
        raise _bad(key, "应为“业务类别: 数值”的对照表", raw)
    found = {}
    for name, value in raw.items():
        if name not in CATEGORIES:
            raise _bad(key, f"含未知业务类别（可用：{'、'.join(CATEGORIES)}）", name)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise _bad(key, "的数值应大于 0", value)
        found[name] = float(value)
    return found


def _time(data: dict, key: str, default: str) -> time:
    try:
        return time.fromisoformat(str(data.get(key, default)))
    except ValueError:
        raise _bad(key, "应为 HH:MM", data.get(key)) from None


def parse(data: Any) -> Scenario:
    if not isinstance(data, dict):
        raise _bad("(文件)", "应为 YAML 对象", type(data).__name__)
    try:
        day = date.fromisoformat(str(data.get("date", "2026-11-21")))
    except ValueError:
        raise _bad("date", "应为 YYYY-MM-DD", data.get("date")) from None
    opens, closes = _time(data, "opens", "09:00"), _time(data, "closes", "18:00")
    if closes <= opens:
        raise _bad("closes", "应晚于 opens", data.get("closes"))
    arrivals = data.get("arrivals_per_hour")
    if not isinstance(arrivals, dict) or not arrivals:
        raise _bad("arrivals_per_hour", "应为“小时: 人数”的对照表", arrivals)
    per_hour = {}
    for hour, count in arrivals.items():
        if not isinstance(hour, int) or not opens.hour <= hour < (closes.hour + (1 if closes.minute else 0)):
            raise _bad("arrivals_per_hour", "的小时应在营业时间内", hour)
        if isinstance(count, bool) or not isinstance(count, (int, float)) or not 0 <= count <= 1000:
            raise _bad("arrivals_per_hour", "的人数应为 0 到 1000", count)
        per_hour[hour] = float(count)
    mix, handling = _weights(data, "category_mix"), _weights(data, "handling_minutes")
    missing = [c for c in mix if c not in handling]
    if missing:
        raise _bad("handling_minutes", "缺少业务类别", missing)
    counters = data.get("counters", [4])
    counters = [counters] if isinstance(counters, int) else counters
    if not isinstance(counters, list) or not counters or any(
            isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 50 for n in counters):
        raise _bad("counters", "应为 1 到 50 的窗口数（或其列表）", counters)
    layout = []
    for spec in data.get("layout") or []:
        if not isinstance(spec, dict) or spec.get("kind") not in COUNTER_KINDS:
            raise _bad("layout", f"的台席类型应为 {'、'.join(COUNTER_KINDS)}", spec)
        cats = tuple(spec.get("categories") or mix)
        if any(c not in CATEGORIES for c in cats):
            raise _bad("layout", "含未知业务类别", cats)
        layout.append(CounterSpec(spec["kind"], cats))
    if layout and max(counters) > len(layout):
        raise _bad("counters", "不能多于 layout 中的窗口", counters)
    target = data.get("wait_target_minutes", 15)
    if isinstance(target, bool) or not isinstance(target, (int, float)) or target <= 0:
        raise _bad("wait_target_minutes", "应大于 0", target)
    seed = data.get("seed", 1)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise _bad("seed", "应为整数", seed)
    return Scenario(name=str(data.get("name", "营业厅的一天")), seed=seed, day=day, opens=opens, closes=closes,
                    arrivals_per_hour=per_hour, category_mix=mix, handling_minutes=handling,
                    green_share=_share(data, "green_share", 0.15), vip_share=_share(data, "vip_share", 0.05),
                    no_show_share=_share(data, "no_show_share", 0.03),
                    remote_share=_share(data, "remote_share", 0.0), counters=tuple(sorted(set(counters))),
                    layout=tuple(layout), wait_target_minutes=float(target),
                    handling_spread=_share(data, "handling_spread", 0.5))


def load(path: Path) -> Scenario:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise Invalid("scenario_unreadable", f"无法读取场景文件：{path}", f"cannot read {path}: {exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise Invalid("invalid_scenario", "场景文件不是有效的 YAML。", f"not YAML: {exc}") from None
    return parse(data)
