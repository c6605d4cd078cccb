"""The clerk's counter page (halls:counter): open or close the counter, the
ticket at it with who the visitor is, and the steps of serving it, each a
halls.desk call: call next (the calling engine picks), recall, start,
pass over after three calls, transfer to another category, complete with
what was done and the order or work order made. Beside it the line this
counter would call from, in the engine's own order, and the care station's
visit log (the care counter keeps it).

Every step is a POST that redirects back with what happened; a refusal is
shown on the page in the domain's words, with what the clerk typed kept.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import RedirectResponse

from kindline.core.auth.permissions import CUSTOMERS_READ, HALLS_COUNTER
from kindline.core.deps import DbSession, get_runtime
from kindline.core.errors import DomainError, NotFound
from kindline.customers import service as customers
from kindline.halls import care, desk, queue, service
from kindline.halls.models import Counter, Hall, Ticket
from kindline.halls.types import HANDLING_TARGET_SECONDS, MAX_CALLS, STATUSES
from kindline.web import identity
from kindline.web.console import LOGIN
from kindline.web.console_hall_views import GROUP_SOURCES, NAMES, duration
from kindline.web.form_values import ids_of
from kindline.web.render import render
from kindline.web.routing import FormFields, page_router

LINE_SHOWN = 20
ACTIONS = ("open", "close", "call", "recall", "start", "no_show", "transfer", "complete", "visit")

# Carried by console_halls.router, which adds the "/console" prefix.
router = page_router(login_path=LOGIN)


def _path(hall_id: int, number: int) -> str:
    return f"/console/halls/{hall_id}/counters/{number}"


def _ticket_view(session, clock, staff, ticket: Ticket) -> dict:
    """The ticket as the clerk needs it: lane, who (phone masked), the wait, the calls, the time spent."""
    now = clock.now()
    holder = customers.get(session, ticket.customer_id) if ticket.customer_id else None
    since = ticket.started_at or ticket.called_at
    spent = round((now - since).total_seconds()) if since else 0
    waited_until = ticket.first_called_at or now
    return {
        "ticket": ticket, "category": NAMES["category"][ticket.category], "status": STATUSES[ticket.status],
        "group": NAMES["group"].get(ticket.group or ""), "source": GROUP_SOURCES.get(ticket.group_source or ""),
        "customer": holder, "link": holder is not None and staff.can(CUSTOMERS_READ),
        "waited": duration((waited_until - desk.ready_at(ticket)).total_seconds()),
        "calls": ticket.calls, "may_pass": ticket.calls >= MAX_CALLS,
        "spent": duration(spent), "over": spent > HANDLING_TARGET_SECONDS,
    }


def _line(found: queue.Floor, counter: Counter, now) -> list[dict]:
    """The waiting tickets this counter may call, in the order call-next takes them."""
    rows = []
    for t in found.line_for(counter):
        rows.append({"number": t.number, "category": NAMES["category"][t.category], "green": t.green,
                     "group": NAMES["group"].get(t.group or ""), "vip": t.vip, "remote": t.remote,
                     "waited": duration((now - desk.ready_at(t)).total_seconds())})
    return rows


def _done_text(session, hall: Hall, number: int, done: str, ticket_id: int, new_id: int, care_service: str,
               group: str) -> str | None:
    """The confirmation after a redirect, read back from the records (never echoed from the address)."""
    if done == "open":
        return f"{number}号窗口已开启。"
    if done == "close":
        return f"{number}号窗口已关闭。"
    if done == "visit" and care_service in NAMES["care_service"] and group in NAMES["care_group"]:
        return f"已登记爱心驿站服务：{NAMES['care_service'][care_service]}（{NAMES['care_group'][group]}）。"
    ticket = session.get(Ticket, ticket_id) if ticket_id else None
    if ticket is None or ticket.hall_id != hall.id:
        return None
    if done == "call":
        return f"已叫号：{service.call_text(ticket)}。"
    if done == "recall":
        return f"已重呼{ticket.number}号（第{ticket.calls}次）。"
    if done == "start":
        return f"{ticket.number}号开始办理。"
    if done == "no_show":
        return f"{ticket.number}号已过号。"
    if done == "complete":
        return f"{ticket.number}号已办结，办理用时{duration(ticket.handling_seconds)}。"
    new = session.get(Ticket, new_id) if new_id else None
    if done == "transfer" and new is not None and new.transferred_from_id == ticket.id:
        return f"{ticket.number}号已转为{NAMES['category'][new.category]}，新号码{new.number}，保留原排队位置。"
    return None


def counter_page(request: Request, session, staff, hall_id: int, number: int, *, error: str | None = None,
                 notice: str | None = None, values: dict[str, str] | None = None, status: int = 200):
    staff.require(HALLS_COUNTER)
    clock = get_runtime(request).clock
    hall = service.get(session, hall_id)
    counter = service.counter(session, hall.id, number)
    current = service.current_ticket(session, counter)
    found = queue.floor(session, clock, hall)
    line = _line(found, counter, clock.now())
    return render(request, "console/halls_counter.html", status=status, back_to=_path(hall.id, number),
                  title=f"{hall.name} {number}号窗口", hall=hall, counter=counter,
                  kind=NAMES["kind"][counter.kind], categories=[NAMES["category"][c] for c in counter.categories],
                  current=_ticket_view(session, clock, staff, current) if current else None,
                  line=line[:LINE_SHOWN], line_total=len(line), target_seconds=HANDLING_TARGET_SECONDS,
                  max_calls=MAX_CALLS, path=_path(hall.id, number),
                  transfer_to=[(c, NAMES["category"][c]) for c in hall.services
                               if current is None or c != current.category],
                  care_services=[(c, NAMES["care_service"][c]) for c in hall.care_services or []],
                  care_groups=list(NAMES["care_group"].items()),
                  error=error, notice=notice, values=values or {})


@router.get("/halls/{hall_id}/counters/{number}")
def counter(request: Request, session: DbSession, staff: identity.Staff, hall_id: int, number: int,
            done: str = "", ticket: int = 0, new: int = 0, care_service: str = "", group: str = ""):
    staff.require(HALLS_COUNTER)
    hall = service.get(session, hall_id)
    notice = _done_text(session, hall, number, done, ticket, new, care_service, group) if done in ACTIONS else None
    return counter_page(request, session, staff, hall_id, number, notice=notice)


def _act(session, clock, staff, hall: Hall, number: int, action: str, fields: dict[str, str]) -> dict[str, str]:
    """One step at the counter; answers the query that words it on the page."""
    if action == "open":
        service.open_counter(session, clock, staff, hall, number)
    elif action == "close":
        service.close_counter(session, clock, staff, hall, number)
    elif action == "visit":
        care.record_visit(session, clock, staff, hall, service=fields.get("care_service", ""),
                          group=fields.get("group", ""), phone=fields.get("phone") or None,
                          note=fields.get("note", ""))
        return {"care_service": fields.get("care_service", ""), "group": fields.get("group", "")}
    elif action == "transfer":
        old, new = desk.transfer(session, clock, staff, hall, number, fields.get("category", ""))
        return {"ticket": str(old.id), "new": str(new.id)}
    elif action == "complete":
        orders = ids_of(fields.get("order_ids", ""), "订单编号")
        work_orders = ids_of(fields.get("work_order_ids", ""), "工单编号")
        done = desk.complete(session, clock, staff, hall, number, outcome=fields.get("outcome", ""),
                             order_ids=orders, work_order_ids=work_orders)
        return {"ticket": str(done.id)}
    else:
        step = {"call": desk.call_next, "recall": desk.recall, "start": desk.start, "no_show": desk.no_show}[action]
        return {"ticket": str(step(session, clock, staff, hall, number).id)}
    return {}


@router.post("/halls/{hall_id}/counters/{number}/{action}")
def counter_action(request: Request, session: DbSession, staff: identity.Staff, hall_id: int, number: int,
                   action: str, fields: FormFields):
    staff.require(HALLS_COUNTER)
    if action not in ACTIONS:
        raise NotFound("not_found", "不支持该操作。", f"unknown counter action {action!r}")
    hall = service.get(session, hall_id)
    service.counter(session, hall.id, number)  # an unknown counter is a 404, not a refusal on a page
    try:
        query = _act(session, get_runtime(request).clock, staff, hall, number, action, fields)
    except DomainError as exc:
        if exc.status == 403:
            raise
        session.rollback()
        return counter_page(request, session, staff, hall_id, number, error=exc.message, values=fields,
                            status=exc.status)
    return RedirectResponse(f"{_path(hall_id, number)}?{urlencode({'done': action, **query})}", status_code=303)
