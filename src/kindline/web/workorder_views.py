"""What the work-order pages show, shaped once for the console, the field list
and the portal: the SLA state as words and a colour class, the next deadline
for the live countdown, who acted (a name, not "staff:3"), and the history as
staff read it or as a subscriber reads it (plain words, no internal notes).

Only reading happens here; every figure comes from workorders.service and
workorders.sla, so a page and the API agree on one answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from kindline.core.auth.models import StaffUser
from kindline.core.clock import Clock
from kindline.workorders import field, service, sla, teams
from kindline.workorders.models import Team, WorkOrder, WorkOrderEvent
from kindline.workorders.types import STATUS_NAMES, TYPES

WEEKDAYS = "一二三四五六日"
SLA_STATES = {"within": "正常", "warning": "预警", "breached": "超时", "met": "已按时办结"}
LIMIT_NAMES = {"response": "响应", "resolution": "处理"}
AREA_NAMES = {"urban": "城区", "rural": "农村"}
# What a subscriber reads for each status (the staff words are in types.STATUS_NAMES).
PLAIN_STATUS = {
    "acknowledged": "已收到，等待处理", "inProgress": "正在处理", "pending": "等您配合", "held": "正在协调处理",
    "resolved": "已处理好，请您确认", "closed": "已结束", "cancelled": "已撤销", "rejected": "未能受理",
}


def duration_text(seconds: float) -> str:
    """"2天3小时", "3小时20分", "12分": how long, in the units people say."""
    minutes = int(abs(seconds)) // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}天{hours}小时" if hours else f"{days}天"
    if hours:
        return f"{hours}小时{mins}分" if mins else f"{hours}小时"
    return f"{mins}分"


@dataclass(frozen=True)
class Countdown:
    """One running limit: its due time for the script, and its text for pages without it."""

    label: str
    due_at: datetime
    text: str

    @property
    def due_epoch(self) -> int:
        return int(self.due_at.timestamp())


@dataclass(frozen=True)
class SlaView:
    status: sla.Status
    state: str
    state_name: str
    warn_epoch: int | None  # the earliest warning / due moment still ahead, for the badge to turn itself
    due_epoch: int | None
    countdowns: list[Countdown]  # nearest first
    nearest: Countdown | None  # the limit to breach first: the queue's order (service.next_due_at)

    @property
    def paused(self) -> bool:
        return self.status.paused


def countdown_text(label: str, seconds: float) -> str:
    return f"{label}剩余{duration_text(seconds)}" if seconds >= 0 else f"{label}已超时{duration_text(seconds)}"


def sla_view(order: WorkOrder, now: datetime) -> SlaView:
    status = service.sla_status(order, now)
    running = [(which, getattr(status, which)) for which in ("response", "resolution")]
    running = [(which, limit) for which, limit in running if limit.due_at is not None and limit.met_at is None]
    running.sort(key=lambda item: item[1].due_at)
    limits = [Countdown(LIMIT_NAMES[which], limit.due_at,
                        countdown_text(LIMIT_NAMES[which], (limit.due_at - now).total_seconds()))
              for which, limit in running]
    countdowns = [] if status.paused or order.status not in ("acknowledged", "inProgress", "pending", "held") else limits
    warns = [limit.warn_at for _, limit in running if limit.warn_at is not None]
    dues = [limit.due_at for _, limit in running]
    return SlaView(status=status, state=status.state, state_name=SLA_STATES[status.state],
                   warn_epoch=int(min(warns).timestamp()) if warns else None,
                   due_epoch=int(min(dues).timestamp()) if dues else None, countdowns=countdowns,
                   nearest=limits[0] if limits else None)


def staff_names(session: Session, ids) -> dict[int, str]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    rows = session.execute(select(StaffUser.id, StaffUser.display_name).where(StaffUser.id.in_(sorted(wanted))))
    return {ident: name for ident, name in rows}


def all_teams(session: Session) -> dict[int, Team]:
    return {team.id: team for team in teams.all_teams(session)}


def actor_id(label: str) -> int | None:
    kind, _, ident = label.partition(":")
    return int(ident) if kind == "staff" and ident.isdigit() else None


def actor_name(label: str, names: dict[int, str]) -> str:
    if label == "system":
        return "系统"
    if label.startswith("subscriber:"):
        return "客户本人"
    ident = actor_id(label)
    return names.get(ident, label) if ident else label


def _details(event: WorkOrderEvent, names: dict[int, str], teams: dict[int, Team]) -> str:
    data = event.data or {}
    if event.action == "assign":
        team = next((t for t in teams.values() if t.code == data.get("team")), None)
        who = [team.name if team else "", names.get(data.get("assignee_id") or 0, "")]
        return "：" + "，".join(w for w in who if w) if any(who) else ""
    if event.action == "owner":
        return f"：{names.get(data.get('from') or 0, '无')} → {names.get(data.get('to') or 0, '')}"
    if event.action == "appointment":
        return f"：{data.get('window', '')}" + ("（改约）" if data.get("moved") else "")
    if event.action == "visit":
        step = {"arrived": "：师傅已到达", "finished": "：已完成"}.get(data.get("step"), "")
        serials = data.get("equipment") or []
        return step + (f"，设备 {'、'.join(serials)}" if serials else "")
    if event.action in ("sla_warning", "sla_breach"):
        return f"：{LIMIT_NAMES.get(data.get('limit'), '')}时限 {data.get('due_at', '')}"
    return ""


def console_timeline(order: WorkOrder, names: dict[int, str], teams: dict[int, Team]) -> list[dict]:
    """service.describe's line per event, without the order number the page already shows."""
    prefix = f"工单{order.id}："
    lines = []
    for event in order.events:
        text = service.describe(event).removeprefix(prefix)
        lines.append({"at": event.at, "who": actor_name(event.actor, names),
                      "text": text + _details(event, names, teams), "action": event.action})
    return lines


def _plain_line(event: WorkOrderEvent, kind: str, teams: dict[int, Team]) -> str | None:
    data = event.data or {}
    reason = f"：{event.reason}" if event.reason else ""
    if event.action == "created":
        return f"我们收到了您的{kind}"
    if event.action == "reopen":
        if event.actor.startswith("subscriber:"):
            return f"您提出问题还没解决{reason}，我们已重新处理"
        return f"我们重新处理您的{kind}{reason}"
    if event.action == "transition":
        by_you = event.actor.startswith("subscriber:")
        return {
            "inProgress": "已开始处理",
            "pending": f"需要您配合{reason}",
            "held": "正在内部协调处理",
            "resolved": f"已处理好{reason}。如果问题还在，请告诉我们",
            "closed": "您已确认解决，工单结束" if by_you else "工单已结束",
            "cancelled": f"{'您' if by_you else ''}已撤销{reason}",
            "rejected": f"未能受理{reason}",
        }.get(event.to_status or "")
    if event.action == "assign" and data.get("team"):
        team = next((t for t in teams.values() if t.code == data["team"]), None)
        return f"已安排{team.name}处理" if team else "已安排专人处理"
    if event.action == "green":
        return "已转入绿色通道，由专门小组加快处理"
    if event.action == "appointment":
        return f"已{'改约' if data.get('moved') else '预约'}上门时间：{data.get('window', '')}"
    if event.action == "visit":
        return {"arrived": "师傅已上门", "finished": "师傅已完成上门处理"}.get(data.get("step"))
    return None  # internal steps (notes, owner changes, SLA alarms) are not the customer's reading


def plain_timeline(order: WorkOrder, teams: dict[int, Team]) -> list[dict]:
    kind = TYPES.get(order.type, "请求")
    lines = [{"at": e.at, "text": text} for e in order.events
             if (text := _plain_line(e, kind, teams)) is not None]
    return lines


def status_name(order: WorkOrder) -> str:
    return STATUS_NAMES.get(order.status, order.status)


def window_label(clock: Clock, start: datetime, end: datetime) -> str:
    return f"{clock.local(start):%m月%d日 %H:%M}-{clock.local(end):%H:%M}"


def booking_days(clock: Clock) -> list[tuple[str, str]]:
    """The days a visit may be booked on, as people name them: "11月23日 周一"."""
    today = clock.today()
    return [(d.isoformat(), f"{d.month}月{d.day}日 周{WEEKDAYS[d.weekday()]}")
            for d in (today + timedelta(days=n) for n in range(field.BOOK_DAYS_AHEAD + 1))]


def window_choices() -> list[tuple[str, str]]:
    return [(str(h), f"{h:02d}:00-{h + field.WINDOW_HOURS:02d}:00") for h in field.windows()]


BOOKING_DAY = "请选择上门日期。"  # the message when a visit's day is missing or malformed
