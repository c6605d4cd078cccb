"""The work-order KPI page: kpi.compute's figures for a period, city and type,
each beside the target DOMAIN.md sets (装机 24 h 90% / 72 h 95%, 城区故障 24 h
98%, 12315 reply 100%, effective resolution 98%, satisfaction 99%), with two
server-drawn SVG charts: each share against its target, and handling time
(median and p90) by work-order type. The table carries the same figures as
the charts, so nothing depends on reading a picture.
"""

from __future__ import annotations

from datetime import date

from fastapi import Query, Request

from kindline.core.auth.permissions import WORKORDERS_READ
from kindline.core.deps import DbSession, get_runtime
from kindline.core.errors import DomainError, Invalid
from kindline.web import identity
from kindline.web.charts import Series, bar_chart
from kindline.web.console import LOGIN
from kindline.web.render import is_elder, render
from kindline.web.routing import page_router
from kindline.web.workorder_views import all_teams
from kindline.workorders import kpi
from kindline.workorders.types import TYPES

SHARES = {
    "installed_within_24h": "装机24小时内完成",
    "installed_within_72h": "装机72小时内完成",
    "repaired_within_24h": "城区故障24小时内修复",
    "complaint_response_within_limit": "投诉按时响应",
    "complaint_resolution_within_limit": "投诉按时办结",
    "reply_rate_12315": "12315转办回复率",
    "effective_resolution": "有效解决率（30天内未重开）",
    "satisfaction": "满意度（评4分及以上）",
}

router = page_router("/console", login_path=LOGIN)


def _date(text: str, what: str) -> date | None:
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise Invalid("invalid_date", f"{what}格式不正确，请按“年-月-日”填写，例如2026-11-01。",
                      f"not a date: {text!r}") from None


def _percent(value: float) -> str:
    return f"{value * 100:.1f}".rstrip("0").rstrip(".") + "%"


def _hours(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}".rstrip("0").rstrip(".") + " 小时"


def hour_rows(report: dict) -> list[dict]:
    return [{"name": TYPES.get(kind, kind), "resolved": h["resolved"], "median": _hours(h["median_hours"]),
             "p90": _hours(h["p90_hours"])} for kind, h in report["handling_time"].items()]


def share_rows(report: dict) -> list[dict]:
    rows = []
    for key, name in SHARES.items():
        share = report[key]
        rate, target = share["rate"], share["target"]
        verdict = None if rate is None or target is None else rate >= target
        rows.append({"key": key, "name": name, "met": share["met"], "counted": share["counted"],
                     "rate": _percent(rate) if rate is not None else "无数据",
                     "target": _percent(target) if target is not None else "—", "verdict": verdict,
                     "value": rate, "target_value": target})
    return rows


def charts(report: dict, rows: list[dict], elder: bool) -> dict:
    size = 18 if elder else 14
    names = [r["name"].split("（")[0] for r in rows]  # short names: the table beside the chart says the rest
    shares = bar_chart(names, [Series("达成率", [r["value"] for r in rows])],
                       title="各项指标达成率与目标", targets=[r["target_value"] for r in rows], maximum=1.0,
                       fmt=_percent, font_size=size, ident="chart-shares")
    handling = report["handling_time"]
    kinds = list(handling)
    times = None
    if kinds:
        times = bar_chart([TYPES.get(k, k) for k in kinds],
                          [Series("中位数", [handling[k]["median_hours"] for k in kinds]),
                           Series("90%在此之内", [handling[k]["p90_hours"] for k in kinds])],
                          title="各类工单处理时长（小时）", unit="小时", font_size=size, ident="chart-hours")
    return {"shares": shares, "hours": times}


@router.get("/workorders/kpi")
def kpi_page(request: Request, session: DbSession, staff: identity.Staff,
             from_: str = Query("", alias="from", max_length=12), to: str = Query("", max_length=12),
             city: str = Query("", max_length=40), type: str = Query("", max_length=16)):
    """A bad date or a reversed period is answered on the page (422) with the form as typed."""
    staff.require(WORKORDERS_READ)
    clock = get_runtime(request).clock
    chosen = {"from": from_, "to": to, "city": city.strip(), "type": type if type in TYPES else ""}
    cities = sorted({t.city for t in all_teams(session).values() if t.city})
    context = {"chosen": chosen, "cities": [(c, c) for c in cities], "types": list(TYPES.items())}
    try:
        start, end = kpi.period(clock, _date(from_, "开始日期"), _date(to, "结束日期"))
    except DomainError as exc:
        return render(request, "console/kpi_workorders.html", status=exc.status, title="工单指标", error=exc.message,
                      report=None, rows=[], hours=[], charts={}, **context)
    report = kpi.compute(session, clock.now(), start, end, city=chosen["city"] or None, type=chosen["type"] or None)
    rows = share_rows(report)
    first_day, last_day = clock.local(start).date(), date.fromordinal(clock.local(end).date().toordinal() - 1)
    chosen.update({"from": first_day.isoformat(), "to": last_day.isoformat()})  # the form shows the period counted
    return render(request, "console/kpi_workorders.html", title="工单指标", error=None, report=report, rows=rows,
                  hours=hour_rows(report), charts=charts(report, rows, is_elder(request)), first_day=first_day,
                  last_day=last_day, type_names=TYPES, **context)
