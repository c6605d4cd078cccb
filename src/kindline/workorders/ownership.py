"""Who owns and who works on a work order: dispatch to a team or technician
(never changes the owner), a supervisor's change of owner (with a reason),
the green channel (绿色通道), and notes.

A dispatch is recorded as an "assign" event, so the report of requests that
were passed around (推诿) counts them from the history.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kindline.core.auth.models import StaffUser
from kindline.core.auth.permissions import WORKORDERS_SUPERVISE, WORKORDERS_WRITE
from kindline.core.auth.principal import Principal
from kindline.core.clock import Clock
from kindline.core.errors import Conflict, Invalid, not_found
from kindline.workorders import service, teams
from kindline.workorders.models import Team, WorkOrder, WorkOrderEvent
from kindline.workorders.types import FINAL_STATUSES

PASSED_AROUND = 3  # dispatches after which a request counts as passed around


def _open(order: WorkOrder) -> None:
    if order.status in FINAL_STATUSES:
        raise Conflict("work_order_final", "工单已结束，不能再改派。", f"work order {order.id} is {order.status}")


def _staff(session: Session, staff_id: int) -> StaffUser:
    user = session.get(StaffUser, staff_id)
    if user is None or not user.active:
        raise not_found("staff", "员工", staff_id)
    return user


def assign(session: Session, clock: Clock, principal: Principal, order: WorkOrder, *, team_code: str | None = None,
           assignee_id: int | None = None, reason: str = "") -> WorkOrder:
    """Send the work to a team and/or a person; the owner stays the owner."""
    principal.require(WORKORDERS_WRITE)
    _open(order)
    if team_code is None and assignee_id is None:
        raise Invalid("missing_field", "请选择班组或处理人。", "team_code or assignee_id is required")
    data: dict = {}
    if team_code is not None:
        team = teams.by_code(session, team_code)
        if team is None:
            raise not_found("team", "班组", team_code)
        order.team_id, data["team"] = team.id, team.code
    if assignee_id is not None:
        order.assignee_id, data["assignee_id"] = _staff(session, assignee_id).id, assignee_id
    service.record(session, clock, order, principal, "assign", reason=reason, data=data)
    return order


def change_owner(session: Session, clock: Clock, principal: Principal, order: WorkOrder, new_owner_id: int,
                 reason: str) -> WorkOrder:
    """Only a supervisor changes the first-question owner, and must say why."""
    principal.require(WORKORDERS_SUPERVISE)
    _open(order)
    if not (reason or "").strip():
        raise Invalid("reason_required", "更换首问负责人须填写原因。", "a reason is required to change the owner")
    _staff(session, new_owner_id)
    old = order.owner_id
    service.record(session, clock, order, principal, "owner", reason=reason, data={"from": old, "to": new_owner_id})
    order.owner_id = new_owner_id
    service.notify(session, clock, order, [new_owner_id], "owner", f"工单{order.id}：您已成为首问负责人（{reason.strip()}）")
    return order


def to_green_channel(session: Session, clock: Clock, principal: Principal | None, order: WorkOrder,
                     reason: str) -> WorkOrder:
    """Hand a hard or major case to the special team with shorter limits. A
    supervisor decides, or the system when a complaint's limit is breached."""
    if principal is not None:
        principal.require(WORKORDERS_SUPERVISE)
    _open(order)
    if order.green:
        raise Conflict("already_green", "该工单已在绿色通道。", f"work order {order.id} is already green")
    if not (reason or "").strip():
        raise Invalid("reason_required", "转入绿色通道须填写原因。", "a reason is required")
    now = clock.now()
    was = _clock_so_far(order, now)
    order.green = True
    if order.paused_since is not None:  # the new clock starts running now
        order.paused_since = now if order.status == "pending" else None
    order.paused_seconds, order.responded_at = 0, None
    service.apply_policy(order, now)
    team = teams.for_work(session, order.type, order.city, True)
    order.team_id = team.id if team else order.team_id
    service.record(session, clock, order, principal, "green", reason=reason,
                   data={"team_id": order.team_id, "policy": order.policy_code, **was})
    if team is not None:
        service.notify(session, clock, order, [team.supervisor_id], "green", f"工单{order.id}转入绿色通道：{reason}")
    service.refresh_sla(session, clock, order)
    return order


def _clock_so_far(order: WorkOrder, now: datetime) -> dict:
    """The clock the green channel replaces, as it stood: kept in the green
    event so its limits (and a breach of them) stay in the history; the KPIs
    read `from_policy` to replay it."""
    status = service.sla_status(order, now)
    return {"from_policy": order.policy_code, "from_started_at": order.sla_started_at.isoformat(),
            **{f"from_{which}": {"due_at": limit.due_at.isoformat() if limit.due_at else None,
                                 "state": limit.state}
               for which, limit in (("response", status.response), ("resolution", status.resolution))}}


def note(session: Session, clock: Clock, principal: Principal, order: WorkOrder, text: str) -> WorkOrder:
    principal.require(WORKORDERS_WRITE)
    if not (text or "").strip():
        raise Invalid("missing_field", "请填写备注内容。", "note text is required")
    service.record(session, clock, order, principal, "note", reason=text[:500])
    return order


def passed_around(session: Session, *, city: str | None = None, minimum: int = PASSED_AROUND,
                  limit: int = 100) -> list[tuple[WorkOrder, int]]:
    """Requests dispatched `minimum` times or more, most passed first."""
    counts = (select(WorkOrderEvent.work_order_id, func.count().label("n"))
              .where(WorkOrderEvent.action.in_(("assign", "owner")))
              .group_by(WorkOrderEvent.work_order_id).having(func.count() >= minimum).subquery())
    stmt = (select(WorkOrder, counts.c.n).join(counts, counts.c.work_order_id == WorkOrder.id)
            .order_by(counts.c.n.desc(), WorkOrder.id).limit(limit))
    if city:  # the city handling it, and the line's home city (跨城市: the home city sees it too)
        stmt = stmt.where((WorkOrder.city == city) | (WorkOrder.home_city == city))
    return [(order, n) for order, n in session.execute(stmt)]


def team_of(session: Session, order: WorkOrder) -> Team | None:
    return session.get(Team, order.team_id) if order.team_id else None
