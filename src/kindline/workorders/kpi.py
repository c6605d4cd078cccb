"""Work-order KPIs for a period, city and type, computed from the event
history (docs/workorders.md defines each figure).

A work order counts in the period it was created in, in the city that handled
it. Its handling time is the policy calendar's working time from creation to
its last resolution, less the time it waited for the customer (pending):
exactly the time the SLA clock ran. Orders still open count against a limit
only once they have passed it.

A complaint's response and resolution limits are judged by replaying its SLA
clocks from the history (Run): the clock it was created with and, after a move
to the green channel, the new one. A limit breached on any clock stays
breached (so is any limit an `sla_breach` event names), even when the green
channel's clock is met later.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from kindline.core.errors import Invalid
from kindline.workorders import service, sla
from kindline.workorders.models import Survey, WorkOrder, WorkOrderEvent
from kindline.workorders.types import REOPEN_WINDOW

HOUR = 3600.0
LIMITS = ("response", "resolution")


@dataclass
class Share:
    """met of counted, and the target it is held to."""

    met: int = 0
    counted: int = 0
    target: float | None = None

    @property
    def rate(self) -> float | None:
        return round(self.met / self.counted, 4) if self.counted else None

    def add(self, ok: bool) -> None:
        self.counted += 1
        self.met += int(ok)

    def as_dict(self) -> dict:
        return {"met": self.met, "counted": self.counted, "rate": self.rate, "target": self.target}


@dataclass
class Run:
    """One SLA clock of a work order replayed from its events: the columns
    sla.status reads, moved as service.transition and the green channel move them."""

    policy: sla.Policy
    sla_started_at: datetime
    responded_at: datetime | None = None
    resolved_at: datetime | None = None
    paused_seconds: int = 0
    paused_since: datetime | None = None

    def step(self, event: WorkOrderEvent) -> None:
        """A transition or reopen event, as service.transition moved the clock."""
        sla.advance(self, self.policy, event.from_status, event.to_status, event.at,
                    by_staff=event.actor.startswith("staff:"), reopen=event.action == "reopen")

    def replaced(self, event: WorkOrderEvent, policy: sla.Policy) -> Run:
        """The green channel's new clock: from now, paused if the order waits for the customer."""
        return Run(policy, event.at, paused_since=event.at if self.paused_since is not None else None)


@dataclass
class History:
    order: WorkOrder
    resolved_at: datetime | None = None
    first_resolved_at: datetime | None = None
    reopened: list[datetime] = field(default_factory=list)
    pauses: list[tuple[datetime, datetime | None]] = field(default_factory=list)
    breaches: int = 0
    breached: set[str] = field(default_factory=set)  # limits an sla_breach event names
    earlier: list[sla.Status] = field(default_factory=list)  # clocks the green channel replaced, when it did
    run: Run | None = None  # the clock in force

    def handling_seconds(self, until: datetime) -> float:
        calendar = service.policy_of(self.order).calendar
        end = self.resolved_at or until
        total = calendar.elapsed(self.order.created_at, end)
        waited = sum(calendar.elapsed(start, min(stop or end, end)) for start, stop in self.pauses)
        return max(0.0, total - waited)

    def kept(self, which: str, now: datetime) -> bool | None:
        """Whether the `which` limit (response, resolution) was kept: False once
        any clock breached it, True when the clock in force met it, None while
        it is still running (or the policy sets no such limit)."""
        if self.run is None:  # no creation in the history: nothing to judge
            return None
        last = getattr(sla.status(self.run, self.run.policy, now), which).state
        states = [getattr(status, which).state for status in self.earlier] + [last]
        if which in self.breached or "breached" in states:
            return False
        return True if last == "met" else None

    def replay(self, events: list[WorkOrderEvent]) -> None:
        for event in events:
            if event.action == "created":
                self.run = Run(_first_policy(self.order, events), event.at)
            elif event.action == "sla_breach":
                self.breaches += 1
                self.breached.add((event.data or {}).get("limit", ""))
            elif event.action == "green" and self.run is not None:
                self.earlier.append(sla.status(self.run, self.run.policy, event.at))
                self.run = self.run.replaced(event, service.policies().by_code(event.data["policy"]))
            if event.action not in ("transition", "reopen"):
                continue
            if self.run is not None:
                self.run.step(event)
            if event.to_status == "pending":
                self.pauses.append((event.at, None))
            elif event.from_status == "pending" and self.pauses:
                self.pauses[-1] = (self.pauses[-1][0], event.at)
            if event.to_status == "resolved":
                self.resolved_at = event.at
                self.first_resolved_at = self.first_resolved_at or event.at
            if event.action == "reopen":
                self.reopened.append(event.at)
                self.resolved_at = None


def _first_policy(order: WorkOrder, events: list[WorkOrderEvent]) -> sla.Policy:
    """The policy the order was created with: the one a move to the green channel
    replaced (kept in its event), else the one in force."""
    green = next((e for e in events if e.action == "green"), None)
    if green is None:
        return service.policy_of(order)
    code = (green.data or {}).get("from_policy")
    if code is None:  # a green event recorded before the replaced policy was kept
        return service.policies().for_facts({**service._facts(order), "green": False})
    return service.policies().by_code(code)


def _histories(session: Session, start: datetime, end: datetime, city: str | None,
               type: str | None) -> list[History]:
    stmt = select(WorkOrder).where(WorkOrder.created_at >= start, WorkOrder.created_at < end,
                                   WorkOrder.status.not_in(("cancelled", "rejected")))
    if city:
        stmt = stmt.where(WorkOrder.city == city)
    if type:
        stmt = stmt.where(WorkOrder.type == type)
    orders = {o.id: History(o) for o in session.scalars(stmt)}
    if not orders:
        return []
    events: dict[int, list[WorkOrderEvent]] = defaultdict(list)
    for event in session.scalars(select(WorkOrderEvent).where(WorkOrderEvent.work_order_id.in_(list(orders)))
                                 .order_by(WorkOrderEvent.work_order_id, WorkOrderEvent.id)):
        events[event.work_order_id].append(event)
    for work_order_id, history in orders.items():
        history.replay(events[work_order_id])
    return list(orders.values())


def _within(histories: list[History], types: set[str], limit_hours: float, now: datetime, target: float,
            area: str | None = None) -> Share:
    share = Share(target=target)
    for history in histories:
        if history.order.type not in types or (area and history.order.area != area):
            continue
        took = history.handling_seconds(now)
        if history.resolved_at is None and took <= limit_hours * HOUR:
            continue  # still open and not yet late: not decided
        share.add(history.resolved_at is not None and took <= limit_hours * HOUR)
    return share


def _percentiles(values: list[float]) -> dict:
    if not values:
        return {"median_hours": None, "p90_hours": None}
    hours = sorted(v / HOUR for v in values)
    p90 = hours[-(-9 * len(hours) // 10) - 1]  # nearest rank: the ceil(0.9 n)-th value
    return {"median_hours": round(statistics.median(hours), 2), "p90_hours": round(p90, 2)}


def compute(session: Session, now: datetime, start: datetime, end: datetime, *, city: str | None = None,
            type: str | None = None) -> dict:
    histories = _histories(session, start, end, city, type)
    within = {which: Share() for which in LIMITS}
    for history in histories:
        if history.order.type != "complaint":
            continue
        for which in LIMITS:
            kept = history.kept(which, now)
            if kept is not None:
                within[which].add(kept)
    platform = [h for h in histories if h.order.source == "12315"]
    replied = Share(target=1.0)
    for history in platform:
        replied.add(history.first_resolved_at is not None)
    effective = _effective(histories)
    by_type: dict[str, list[float]] = defaultdict(list)
    for history in histories:
        if history.resolved_at is not None:
            by_type[history.order.type].append(history.handling_seconds(now))
    return {
        "from": start.isoformat(), "to": end.isoformat(), "city": city, "type": type,
        "work_orders": len(histories),
        "installed_within_24h": _within(histories, {"installation", "relocation"}, 24, now, 0.90).as_dict(),
        "installed_within_72h": _within(histories, {"installation", "relocation"}, 72, now, 0.95).as_dict(),
        "repaired_within_24h": _within(histories, {"repair"}, 24, now, 0.98, area="urban").as_dict(),
        "complaint_response_within_limit": within["response"].as_dict(),
        "complaint_resolution_within_limit": within["resolution"].as_dict(),
        "reply_rate_12315": replied.as_dict(),
        "effective_resolution": effective.as_dict(),
        "satisfaction": _satisfaction(session, start, end, city).as_dict(),
        "effective_resolution_12315": _effective(platform).as_dict(),
        "satisfaction_12315": _satisfaction(session, start, end, city, source="12315").as_dict(),
        "breaches": sum(h.breaches for h in histories),
        "handling_time": {kind: {"resolved": len(values), **_percentiles(values)}
                          for kind, values in sorted(by_type.items())},
    }


def period(clock, start: date | None, end: date | None) -> tuple[datetime, datetime]:
    """[from 00:00, the day after `to` 00:00) in local time; default: this month so far."""
    today = clock.today()
    first = start or today.replace(day=1)
    last = end or today
    if last < first:
        raise Invalid("invalid_period", "结束日期不能早于开始日期。", "to is before from")
    return (datetime.combine(first, time(0), clock.tz), datetime.combine(last + timedelta(days=1), time(0), clock.tz))


def _effective(histories: list[History]) -> Share:
    """Resolved, and not reopened within 30 days of the first resolution."""
    effective = Share(target=0.98)
    for history in histories:
        first = history.first_resolved_at
        if first is None:
            continue
        effective.add(not any(at - first <= REOPEN_WINDOW for at in history.reopened))
    return effective


def _satisfaction(session: Session, start: datetime, end: datetime, city: str | None,
                  source: str | None = None) -> Share:
    """4 or 5 among the answered return visits; with `source`, those of its work orders only."""
    stmt = select(Survey.score).where(Survey.status == "answered", Survey.answered_at >= start,
                                      Survey.answered_at < end, Survey.score.is_not(None))
    if source:
        stmt = stmt.join(WorkOrder, WorkOrder.id == Survey.subject_id).where(Survey.subject == "work_order",
                                                                             WorkOrder.source == source)
    if city:
        stmt = stmt.where(Survey.city == city)
    share = Share(target=0.99)
    for score in session.scalars(stmt):
        share.add(score >= 4)
    return share
