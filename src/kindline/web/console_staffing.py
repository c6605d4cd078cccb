"""The staffing page (hotline:supervise): a forecast in (calls per half hour,
average handling time, the target level within T seconds, shrinkage), agents
needed per half hour out (workforce.staffing.plan, Erlang C) as a table and a
server-drawn SVG bar chart. Bad input is answered on the page in Chinese with
the form as typed (422). A GET form: working out a plan changes nothing.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from fastapi import Query, Request

from kindline.core.auth.permissions import HOTLINE_SUPERVISE
from kindline.core.errors import DomainError, Invalid
from kindline.web import identity
from kindline.web.charts import Series, bar_chart
from kindline.web.console import LOGIN
from kindline.web.render import is_elder, render
from kindline.web.routing import page_router
from kindline.workforce import staffing

INTERVAL_SECONDS = 1800
MAX_INTERVALS = 48
MAX_CALLS = 100_000
EXAMPLE = "60 90 120 140 130 110\n100 100 120 130 110 80"
DEFAULTS = {"calls": EXAMPLE, "start": "08:00", "aht": "180", "level": "80", "seconds": "20", "shrinkage": "30"}

router = page_router("/console", login_path=LOGIN)


def _bad(message: str, field: str) -> Invalid:
    return Invalid("invalid_forecast", message, f"bad staffing input: {field}", {"field": field})


def _number(text: str, what: str, low: float, high: float, *, whole: bool = True) -> float:
    text = text.strip()
    if not text:
        raise _bad(f"请填写{what}。", what)
    try:
        value = int(text) if whole else float(text)
    except ValueError:
        raise _bad(f"{what}应为{'整数' if whole else '数字'}，“{text[:20]}”不是。", what) from None
    if not low <= value <= high:
        raise _bad(f"{what}应在 {low:g} 到 {high:g} 之间。", what)
    return value


def calls_of(text: str) -> list[float]:
    """Calls per half hour: numbers separated by spaces, commas or new lines."""
    parts = [p for p in re.split(r"[\s,，、;；]+", text.strip()) if p]
    if not parts:
        raise _bad("请填写每半小时的来电量，例如：100 120 90。", "calls")
    if len(parts) > MAX_INTERVALS:
        raise _bad(f"最多填写 {MAX_INTERVALS} 个时段（一天）的来电量，现在有 {len(parts)} 个。", "calls")
    calls = []
    for index, part in enumerate(parts, start=1):
        try:
            value = float(part)
        except ValueError:
            raise _bad(f"第 {index} 个来电量“{part[:20]}”不是数字。", "calls") from None
        if not 0 <= value <= MAX_CALLS or value != value:
            raise _bad(f"第 {index} 个来电量应在 0 到 {MAX_CALLS} 之间。", "calls")
        calls.append(value)
    return calls


def _start(text: str) -> datetime:
    try:
        return datetime.strptime(text.strip() or "00:00", "%H:%M")
    except ValueError:
        raise _bad("开始时间应为“时:分”，例如 08:00。", "start") from None


def work_out(chosen: dict[str, str]) -> tuple[list[dict], dict]:
    calls = calls_of(chosen["calls"])
    start = _start(chosen["start"])
    aht = _number(chosen["aht"], "平均处理时长（秒）", 1, 7200)
    level = _number(chosen["level"], "目标服务水平（%）", 1, 99, whole=False)
    seconds = _number(chosen["seconds"], "目标应答时间（秒）", 1, 600)
    shrinkage = _number(chosen["shrinkage"] or "0", "缺勤率（%）", 0, 90, whole=False)
    labels = [(start + timedelta(seconds=INTERVAL_SECONDS * i)).strftime("%H:%M") for i in range(len(calls))]
    rows = staffing.plan(list(zip(labels, calls)), INTERVAL_SECONDS, aht, level / 100, seconds,
                         shrinkage=shrinkage / 100)
    shown = [{"start": r.start, "calls": f"{r.calls:g}", "agents": r.agents, "scheduled": r.scheduled,
              "level": f"{r.service_level * 100:.1f}%", "asa": f"{r.asa_seconds:.1f} 秒",
              "occupancy": f"{r.occupancy * 100:.1f}%"} for r in rows]
    totals = {"peak": max(r.agents for r in rows), "peak_scheduled": max(r.scheduled for r in rows),
              "calls": f"{sum(calls):g}", "shrinkage": shrinkage > 0}
    return shown, totals


def chart(rows: list[dict], shrinkage: bool, elder: bool):
    labels = [r["start"] for r in rows]
    series = [Series("所需坐席", [r["agents"] for r in rows])]
    if shrinkage:
        series.append(Series("排班人数（含缺勤）", [r["scheduled"] for r in rows]))
    return bar_chart(labels, series, title="每半小时所需坐席人数", fmt=lambda v: f"{v:.0f}人",
                     font_size=18 if elder else 14, ident="chart-staffing")


@router.get("/hotline/staffing")
def staffing_page(request: Request, staff: identity.Staff, calls: str | None = Query(None, max_length=4000),
                  start: str = Query("", max_length=10), aht: str = Query("", max_length=12),
                  level: str = Query("", max_length=12), seconds: str = Query("", max_length=12),
                  shrinkage: str = Query("", max_length=12)):
    """Without a forecast the page shows an example day worked out."""
    staff.require(HOTLINE_SUPERVISE)
    chosen = dict(DEFAULTS) if calls is None else {"calls": calls, "start": start, "aht": aht, "level": level,
                                                    "seconds": seconds, "shrinkage": shrinkage}
    try:
        rows, totals = work_out(chosen)
    except DomainError as exc:
        return render(request, "console/hotline_staffing.html", status=422 if exc.status < 500 else exc.status,
                      title="坐席排班测算", chosen=chosen, error=exc.message, rows=[], totals=None, chart=None)
    return render(request, "console/hotline_staffing.html", title="坐席排班测算", chosen=chosen, error=None,
                  rows=rows, totals=totals, chart=chart(rows, totals["shrinkage"], is_elder(request)))
