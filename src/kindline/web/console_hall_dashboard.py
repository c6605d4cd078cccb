"""The manager's hall dashboard (halls:manage) for one day: halls.kpi's
figures (tickets per category and hour, waits mean and p90 per category and
for the green channel, handling time against 8 minutes, no-shows, counter
utilisation, care-station visits, class attendance), the staffing plan
(counters needed per hour from halls.staffing, next to the counters that
were open), today's live suggestion with a button to open a closed counter,
and the hall's classes, each linked to its page (console_hall_classes),
where sign-ups, attendance and follow-up visits are kept.

Every chart is charts.bar_chart and every chart has a table with the same
figures beside it, so nothing depends on reading a picture.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Form, Query, Request
from fastapi.responses import RedirectResponse

from kindline.core.auth.permissions import HALLS_MANAGE
from kindline.core.deps import DbSession, get_runtime
from kindline.core.errors import DomainError, Invalid
from kindline.halls import care, kpi, service, staffing
from kindline.halls.models import Hall
from kindline.halls.types import CLASS_TOPICS, HANDLING_TARGET_SECONDS
from kindline.web import identity
from kindline.web.charts import Series, bar_chart
from kindline.web.console import LOGIN
from kindline.web.console_hall_views import NAMES, duration, minutes, percent
from kindline.web.form_values import day_of
from kindline.web.render import is_elder, render
from kindline.web.routing import page_router

HOUR = timedelta(hours=1)
CLASSES_SHOWN = 10

# Carried by console_halls.router, which adds the "/console" prefix.
router = page_router(login_path=LOGIN)


def _path(hall_id: int, day: date, **extra: str) -> str:
    return f"/console/halls/{hall_id}/dashboard?{urlencode({'day': day.isoformat(), **extra})}"


def _midnight(clock, day: date) -> datetime:
    return datetime.combine(day, time(0), clock.tz)


def _hours(report: dict) -> dict[int, dict[str, int]]:
    """Tickets taken per hour of the day and category (kpi keys hours as "09")."""
    table: dict[int, dict[str, int]] = {}
    for category, by_hour in report["tickets"]["by_hour"].items():
        for hour, count in by_hour.items():
            table.setdefault(int(hour), {})[category] = count
    return dict(sorted(table.items()))


def _category_rows(report: dict) -> list[dict]:
    waits, handling = report["waits"], report["handling"]
    rows = []
    for code in sorted(set(report["tickets"]["by_category"]) | set(waits["by_category"])):
        w, h = waits["by_category"].get(code), handling["by_category"].get(code)
        rows.append({"name": NAMES["category"].get(code, code), "taken": report["tickets"]["by_category"].get(code, 0),
                     "wait": w, "handling": h})
    return rows


def _staffing(session, clock, hall: Hall, day: date, report: dict) -> dict:
    """Counters needed per hour: from the last four weeks' same weekday, or,
    with no history yet, from the day's own arrivals; beside each hour the
    counters that were open (open counter-seconds over the hour)."""
    arrivals, green_share = staffing.forecast(session, clock, hall, day)
    basis = "forecast"
    if not arrivals:
        arrivals = {hour: float(sum(row.values())) for hour, row in _hours(report).items()}
        basis = "actual"
    rows = []
    start = _midnight(clock, day)
    for plan in staffing.plan(arrivals, green_share=green_share):
        hour_start = start + plan.hour * HOUR
        counters = kpi.compute(session, clock, hour_start, hour_start + HOUR, hall.id)["counters"]
        opened = round(sum(c["open_seconds"] for c in counters) / HOUR.total_seconds(), 1)
        rows.append({"hour": plan.hour, "arrivals": plan.arrivals, "green": plan.green_arrivals,
                     "counters": plan.counters, "care": plan.care_counters, "total": plan.total, "open": opened,
                     "short": opened < plan.total, "level": percent(plan.service_level),
                     "wait": duration(plan.expected_wait_seconds) if plan.expected_wait_seconds is not None
                     else "无法接待完"})
    return {"basis": basis, "green_share": percent(green_share), "rows": rows}


def _charts(report: dict, categories: list[dict], hours: dict, plan: dict, elder: bool) -> dict:
    size = 18 if elder else 14
    charts: dict = {}
    if hours:
        charts["hours"] = bar_chart([f"{h:02d}时" for h in hours], [Series("取号", [sum(r.values()) for r in hours.values()])],
                                    title="各时段取号数", unit="张", font_size=size, ident="chart-hours")
    if categories:
        charts["categories"] = bar_chart([r["name"] for r in categories], [Series("取号", [r["taken"] for r in categories])],
                                         title="各业务取号数", unit="张", font_size=size, ident="chart-categories")
        waits = [*[(r["name"], r["wait"]) for r in categories], ("绿色通道", report["waits"]["green_channel"]),
                 ("全部", report["waits"]["all"])]
        charts["waits"] = bar_chart([n for n, _ in waits],
                                    [Series("平均", [minutes(w["mean_seconds"]) if w else None for _, w in waits]),
                                     Series("90%在此之内", [minutes(w["p90_seconds"]) if w else None for _, w in waits])],
                                    title="等候时长（分钟）", unit="分钟", font_size=size, ident="chart-waits")
        handled = [*[(r["name"], r["handling"]) for r in categories], ("全部", report["handling"]["all"])]
        charts["handling"] = bar_chart([n for n, _ in handled],
                                       [Series("平均办理时长", [minutes(h["mean_seconds"]) if h else None for _, h in handled])],
                                       title="办理时长与8分钟目标（分钟）", unit="分钟", font_size=size,
                                       targets=[minutes(HANDLING_TARGET_SECONDS)] * len(handled), ident="chart-handling")
    if report["counters"]:
        charts["counters"] = bar_chart([f"{c['counter']}号窗口" for c in report["counters"]],
                                       [Series("利用率", [c["utilisation"] for c in report["counters"]])],
                                       title="窗口利用率（办理时间占开放时间）", maximum=1.0, fmt=percent,
                                       font_size=size, ident="chart-counters")
    if plan["rows"]:
        charts["staffing"] = bar_chart([f"{r['hour']:02d}时" for r in plan["rows"]],
                                       [Series("需要", [r["total"] for r in plan["rows"]]),
                                        Series("开放", [r["open"] for r in plan["rows"]])],
                                       title="各时段需要与开放的窗口数", unit="个", font_size=size,
                                       ident="chart-staffing")
    return charts


def _classes(session, clock, hall: Hall, day: date) -> list[dict]:
    """This hall's classes from the day on, with the seats taken; each has its own page."""
    found = [c for c in care.classes(session, city=hall.city, since=_midnight(clock, day)) if c.hall_id == hall.id]
    rows = []
    for lesson in found[:CLASSES_SHOWN]:
        rows.append({"lesson": lesson, "topic": CLASS_TOPICS[lesson.topic], "signed": care.taken(session, lesson.id),
                     "started": lesson.starts_at <= clock.now()})
    return rows


def dashboard_page(request: Request, session, staff, hall_id: int, day_text: str, *, error: str | None = None,
                   notice: str | None = None, status: int = 200):
    staff.require(HALLS_MANAGE)
    clock = get_runtime(request).clock
    hall = service.get(session, hall_id)
    try:
        day = day_of(day_text, default=clock.today())
    except DomainError as exc:
        error, status, day = exc.message, exc.status, clock.today()
    start = _midnight(clock, day)
    report = kpi.compute(session, clock, start, start + timedelta(days=1), hall.id)
    categories, hours = _category_rows(report), _hours(report)
    plan = _staffing(session, clock, hall, day, report)
    today = day == clock.today()
    return render(request, "console/halls_dashboard.html", status=status, back_to=_path(hall.id, day),
                  title=f"{hall.name}运营看板", hall=hall, day=day, today=today, report=report,
                  categories=categories, hours=hours, hour_categories=sorted({c for r in hours.values() for c in r}),
                  plan=plan, charts=_charts(report, categories, hours, plan, is_elder(request)),
                  suggestion=staffing.suggest(session, clock, hall) if today else None,
                  closed_options=[(str(c.number), f"{c.number}号窗口（{NAMES['kind'][c.kind]}）")
                                  for c in service.counters(session, hall.id) if not c.is_open],
                  classes=_classes(session, clock, hall, day), names=NAMES, duration=duration, percent=percent,
                  prev_day=day - timedelta(days=1), next_day=day + timedelta(days=1), error=error, notice=notice)


@router.get("/halls/{hall_id}/dashboard")
def dashboard(request: Request, session: DbSession, staff: identity.Staff, hall_id: int,
              day: str = Query("", max_length=12), done: str = "", counter: int = 0):
    notice = {"open": f"{counter}号窗口已开启。"}.get(done)
    return dashboard_page(request, session, staff, hall_id, day, notice=notice)


def _refused(request: Request, session, staff, hall_id: int, day: str, exc: DomainError):
    if exc.status == 403:
        raise exc
    session.rollback()
    return dashboard_page(request, session, staff, hall_id, day, error=exc.message, status=exc.status)


@router.post("/halls/{hall_id}/dashboard/open")
def open_counter(request: Request, session: DbSession, staff: identity.Staff, hall_id: int,
                 counter: Annotated[str, Form(max_length=4)] = "", day: Annotated[str, Form(max_length=12)] = ""):
    """The suggestion's button: open a closed counter (the clerk then calls at it)."""
    staff.require(HALLS_MANAGE)
    clock = get_runtime(request).clock
    hall, the_day = service.get(session, hall_id), day_of(day, default=clock.today())
    try:
        if not counter.isdigit():
            raise Invalid("invalid_counter_number", "请选择要开启的窗口。", f"bad counter {counter!r}")
        service.open_counter(session, clock, staff, hall, int(counter))
    except DomainError as exc:
        return _refused(request, session, staff, hall_id, day, exc)
    return RedirectResponse(_path(hall.id, the_day, done="open", counter=counter), status_code=303)

