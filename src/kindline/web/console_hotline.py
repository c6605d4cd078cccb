"""Console hotline pages: the agent desk and the wallboard.

The desk (hotline:agent): sign in to a state, and the contact offered or on
the line with the caller's page at once (elderly, VIP and care flags, the
balance from billing, open work orders), then answer, end, the disposition
with notes and the orders and work orders it led to, and the end of wrap-up.
Every step is a hotline.service call; a refusal shows on the desk in Chinese.
The desk is complete at load; /console/hotline/desk/stream tells static/desk.js
when the agent's situation changed (an offer rings, a missed one went back to
the queue, the caller hung up) and the script fetches the desk again, so an
offer appears without the agent reloading.

The wallboard (hotline:supervise): callers waiting per queue and the longest
wait, today's service level per segment and agents per state. The page is
complete at load; /console/hotline/wallboard/stream sends the same figures as
server-sent events every few seconds, and static/wallboard.js writes them in.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import RedirectResponse

from kindline.billing import service as billing
from kindline.core.auth.permissions import HOTLINE_AGENT, HOTLINE_SUPERVISE, WORKORDERS_READ
from kindline.core.deps import DbSession, get_runtime
from kindline.core.errors import DomainError, NotFound
from kindline.customers import service as customers
from kindline.customers.segments import SEGMENT_NAMES_ZH
from kindline.hotline import agents, board, kpi, links, service
from kindline.hotline.policy import current
from kindline.web import identity, live
from kindline.web.console import LOGIN
from kindline.web.render import render
from kindline.web.routing import FormFields, page_router
from kindline.workorders import service as workorders
from kindline.workorders.types import STATUS_NAMES as WO_STATUS_NAMES
from kindline.workorders.types import TYPES as WO_TYPES

STREAM_SECONDS = 5
DESK_SECONDS = 2  # an offer rings for policy.ring_seconds (15 s): the desk must show it well within
OPEN_WORK_ORDERS = 10
SEGMENT_NAMES = {"vip": "VIP客户", "ordinary": "普通客户", "elderly": "长者"}
DONE = {"state": "状态已切换。", "answer": "已接听。", "end": "通话已结束，请登记处理结果。", "dispose": "处理结果已登记。",
        "wrapup": "话后处理已结束。"}
DESK_ACTIONS = ("answer", "end", "dispose", "wrapup")
CHOSEN_STATES = [(s, agents.STATES[s]) for s in agents.CHOSEN]
BREAK_CHOICES = [(k, v) for k, v in agents.BREAK_REASONS.items() if k != "no_answer"]

router = page_router("/console", login_path=LOGIN)


def wait_text(seconds: int | None) -> str:
    if seconds is None:
        return "—"
    minutes, rest = divmod(max(0, int(seconds)), 60)
    return f"{minutes}分{rest:02d}秒" if minutes else f"{rest}秒"


def _percent(value: float | None) -> str:
    return "无数据" if value is None else f"{value * 100:.1f}".rstrip("0").rstrip(".") + "%"


# -- the desk -------------------------------------------------------------------------------------------------

def _caller_view(session, clock, contact) -> dict | None:
    """The customer's page for the desk: flags, balance and open work orders."""
    if contact is None or contact.customer_id is None:
        return None
    customer = customers.get(session, contact.customer_id)
    segments = customers.segments(customer, clock)
    mobiles = [ln for ln in customer.lines if ln.status != "cancelled"]
    line = next((ln for ln in mobiles if ln.number == contact.caller), mobiles[0] if mobiles else None)
    balance = billing.balance_of(session, clock, line) if line is not None else None
    orders = list(session.scalars(workorders.query(customer_id=customer.id, open_only=True).limit(OPEN_WORK_ORDERS)))
    # The order and work-order forms, preset to this contact's channel: a chat is filed as chat, a call as hotline.
    channel = "chat" if contact.channel == "chat" else "hotline"
    form = {"type": "complaint", "channel": channel, **({"line_id": line.id} if line is not None else {})}
    return {"customer": customer, "segments": [(s, SEGMENT_NAMES_ZH.get(s, s)) for s in segments],
            "elderly": "elderly" in segments, "care": "care_archive" in segments, "vip_level": customer.vip_level,
            "age": customers.age(customer, clock), "line": line, "balance": balance, "work_orders": orders,
            "new_work_order": f"/console/customers/{customer.id}/workorders/new?{urlencode(form)}",
            "new_order": f"/console/customers/{customer.id}/orders/new?{urlencode({'channel': channel})}"}


def _seat(session, staff_id: int):
    """The staff member's agent (None if they are not one) and the contact it holds."""
    try:
        agent = agents.by_staff(session, staff_id)
    except NotFound:
        return None, None
    return agent, service.get(session, agent.contact_id) if agent.contact_id else None


def desk_version(agent, contact) -> str:
    """What the desk shows changes exactly when this does (the stream compares it)."""
    if agent is None:
        return "none"
    return "|".join(str(part) for part in (agent.state, agent.state_reason, agent.contact_id, agent.missed_offers,
                                           contact.status if contact is not None else ""))


def desk_page(request: Request, session, staff, *, error: str | None = None, notice: str | None = None,
              values: dict[str, str] | None = None, status: int = 200):
    staff.require(HOTLINE_AGENT)
    clock = get_runtime(request).clock
    agent, contact = _seat(session, staff.id)
    policy = current()
    context = {
        "agent": agent, "contact": contact, "caller": _caller_view(session, clock, contact),
        "version": desk_version(agent, contact), "server_now": int(clock.now().timestamp()),
        "ring_seconds": policy.ring_seconds, "max_missed": policy.max_missed_offers,
        "ring_due": int(contact.offered_at.timestamp()) + policy.ring_seconds
        if contact is not None and contact.status == "offered" and contact.offered_at else None,
        "made": links.made_during(session, contact) if contact is not None else ([], []),
        "states": agents.STATES, "reasons": agents.BREAK_REASONS, "chosen_states": CHOSEN_STATES,
        "break_choices": BREAK_CHOICES, "contact_status": service.STATUS_NAMES, "segment_names": SEGMENT_NAMES,
        "wo_types": WO_TYPES, "wo_status": WO_STATUS_NAMES, "can_read_orders": staff.can(WORKORDERS_READ),
        "since": wait_text(int((clock.now() - agent.state_since).total_seconds())) if agent else "",
        "waited": wait_text(int((clock.now() - contact.enqueued_at).total_seconds()))
        if contact is not None and contact.enqueued_at else "—",
        "error": error, "notice": notice, "values": values or {},
    }
    return render(request, "console/hotline_desk.html", status=status, back_to="/console/hotline/desk",
                  title="坐席工作台", **context)


@router.get("/hotline/desk")
def desk(request: Request, session: DbSession, staff: identity.Staff, done: str = ""):
    return desk_page(request, session, staff, notice=DONE.get(done))


@router.get("/hotline/desk/stream")
async def desk_stream(request: Request, staff: identity.Staff, once: int = 0):
    """Server-sent events: a `desk` event with the desk's version whenever it
    changes (`once=1`: one event, then the stream ends)."""
    staff.require(HOTLINE_AGENT)
    runtime = get_runtime(request)

    def read() -> dict[str, str]:
        with runtime.sessions() as session:
            return {"version": desk_version(*_seat(session, staff.id))}

    return live.stream(request, read, "desk", DESK_SECONDS, once=bool(once), changes_only=True)


@router.post("/hotline/desk/state")
def desk_state(request: Request, session: DbSession, staff: identity.Staff, fields: FormFields):
    staff.require(HOTLINE_AGENT)
    try:
        agent = agents.by_staff(session, staff.id)
        service.set_agent_state(session, get_runtime(request).clock, agent, fields.get("state", ""),
                                fields.get("reason", "") if fields.get("state") == "break" else "")
    except DomainError as exc:
        if exc.status == 403:
            raise
        session.rollback()
        return desk_page(request, session, staff, error=exc.message, status=exc.status)
    return RedirectResponse("/console/hotline/desk?done=state", status_code=303)


def _ids(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"\d+", text)][:20]


@router.post("/hotline/desk/contacts/{contact_id}/{action}")
def desk_action(request: Request, session: DbSession, staff: identity.Staff, contact_id: int, action: str,
                fields: FormFields):
    """answer, end, dispose (resolved, note, linked work orders) or wrapup."""
    staff.require(HOTLINE_AGENT)
    clock = get_runtime(request).clock
    if action not in DESK_ACTIONS:
        return desk_page(request, session, staff, error="不支持该操作。", status=404)
    try:
        contact = service.get(session, contact_id, lock=True)
        if action == "answer":
            service.answer(session, clock, contact, staff_id=staff.id)
        elif action == "end":
            service.end(session, clock, contact, by="agent", staff_id=staff.id)
        elif action == "dispose":
            resolved = {"yes": True, "no": False}.get(fields.get("resolved", ""))
            service.dispose(session, clock, contact, resolved=resolved, note=fields.get("note", "")[:2000],
                            work_order_ids=_ids(fields.get("work_order_ids", "")),
                            order_ids=_ids(fields.get("order_ids", "")), staff_id=staff.id)
        else:
            service.finish_wrapup(session, clock, contact, staff_id=staff.id)
    except DomainError as exc:
        if exc.status == 403 and exc.code != "not_your_contact":
            raise
        session.rollback()
        return desk_page(request, session, staff, error=exc.message, values=fields, status=exc.status)
    return RedirectResponse(f"/console/hotline/desk?done={action}", status_code=303)


# -- the wallboard --------------------------------------------------------------------------------------------

def wallboard_figures(session, clock) -> dict:
    """Everything the wallboard shows, as plain data (the page and the stream)."""
    now = clock.now()
    midnight = datetime.combine(clock.today(), time(0), clock.tz)
    report = kpi.compute(session, now, midnight, midnight + timedelta(days=1))
    queues = [{"code": q.code, "name": q.name, "waiting": q.waiting, "callbacks": q.callbacks,
               "longest": wait_text(q.longest_wait_seconds)} for q in board.queues(session, clock, current())]
    segments = []
    for code in kpi.SEGMENTS:
        level = report["by_segment"][code]
        target = level["target"]
        met = None if level["service_level"] is None or target is None else level["service_level"] >= target
        segments.append({"code": code, "name": SEGMENT_NAMES[code], "level": _percent(level["service_level"]),
                         "target": _percent(target) if target is not None else "—", "met": met,
                         "answered": level["answered"], "abandoned": level["abandoned_after_5s"]
                         + level["abandoned_within_5s"]})
    by_state = board.agents_by_state(session)
    states = [{"code": code, "name": name, "count": by_state.get(code, 0)} for code, name in agents.STATES.items()]
    return {"as_of": clock.local(now).strftime("%H:%M:%S"), "queues": queues, "segments": segments,
            "states": states, "waiting": sum(q["waiting"] for q in queues),
            "arrived": report["contacts"]["arrived"], "answered": report["contacts"]["answered"]}


def live_values(figures: dict) -> dict[str, str]:
    """The figures by the data-live keys the page marks them with."""
    values = {"as_of": figures["as_of"], "waiting": str(figures["waiting"]), "arrived": str(figures["arrived"]),
              "answered": str(figures["answered"])}
    for q in figures["queues"]:
        values[f"queue-{q['code']}-waiting"] = str(q["waiting"])
        values[f"queue-{q['code']}-callbacks"] = str(q["callbacks"])
        values[f"queue-{q['code']}-longest"] = q["longest"]
    for s in figures["segments"]:
        values[f"segment-{s['code']}-level"] = s["level"]
        values[f"segment-{s['code']}-answered"] = str(s["answered"])
        values[f"segment-{s['code']}-abandoned"] = str(s["abandoned"])
    for a in figures["states"]:
        values[f"state-{a['code']}"] = str(a["count"])
    return values


@router.get("/hotline/wallboard")
def wallboard(request: Request, session: DbSession, staff: identity.Staff):
    staff.require(HOTLINE_SUPERVISE)
    figures = wallboard_figures(session, get_runtime(request).clock)
    return render(request, "console/hotline_wallboard.html", title="热线实时监控", figures=figures,
                  stream_seconds=STREAM_SECONDS)


@router.get("/hotline/wallboard/stream")
async def wallboard_stream(request: Request, staff: identity.Staff, once: int = 0):
    """Server-sent events: a `board` event with the figures every few seconds
    (`once=1`: one event, then the stream ends, for a client that polls)."""
    staff.require(HOTLINE_SUPERVISE)
    runtime = get_runtime(request)

    def read() -> dict[str, str]:
        with runtime.sessions() as session:
            return live_values(wallboard_figures(session, runtime.clock))

    return live.stream(request, read, "board", STREAM_SECONDS, once=bool(once))
