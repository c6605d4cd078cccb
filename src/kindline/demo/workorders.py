"""The demo's work orders: each city's field crew and complaint desk and the
green-channel team; faults, complaints, consultations and coverage reports
filed on every channel over the last three weeks and worked through on the
simulation's clock (visits, waits for the customer, a few reopened, most
closed with a return visit answered); the field orders of the order history
visited and resolved; and complaints forwarded by the 12315 platform.

Everything goes through the work-order services, so the history, the SLA
timers, the KPIs and the surveys are the real ones. Open orders past their
limits are warned about and escalated by the worker when the demo starts.
"""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from kindline.core.auth.principal import Principal
from kindline.core.errors import DomainError
from kindline.customers.models import Customer
from kindline.demo.people import weighted
from kindline.demo.places import CITIES
from kindline.demo.world import World
from kindline.orders.models import Order
from kindline.workorders import field, intake, service, surveys, teams
from kindline.workorders.models import WorkOrder

DAYS = 21
PER_SUBSCRIBERS = 25  # one filed work order for this many subscribers
TYPE_WEIGHTS = {"repair": 40, "complaint": 25, "consultation": 15, "coverage": 10}
CHANNEL_WEIGHTS = {"hotline": 45, "hall": 20, "portal": 15, "console": 10, "chat": 10}
TEXTS = {
    "repair": ("宽带经常掉线", "电视没有信号", "固话无拨号音", "光猫红灯闪烁", "机顶盒无法开机", "网速很慢"),
    "complaint": ("上月话费多扣了10元", "装机人员迟到两小时", "营业厅排队时间太长", "套餐降档一直没办好",
                  "被误开通了增值业务"),
    "consultation": ("想了解长辈套餐", "怎样开通亲情号", "宽带到期怎么续费", "积分怎么兑换"),
    "coverage": ("家里卧室手机信号弱", "地下车库没有信号", "小区东门信号差"),
}
RESOLUTIONS = {
    "repair": "已上门处理，测试正常", "complaint": "已核实并向客户解释，费用已退还",
    "consultation": "已电话解答", "coverage": "已提交网络优化，客户已知晓",
}
SCORES = {5: 60, 4: 25, 3: 8, 2: 4, 1: 3}
PLATFORM = [
    ("12315-2026-0001", "宽带报装一周仍未安装"), ("12315-2026-0002", "销户后仍在扣费"),
    ("12315-2026-0003", "套餐资费与宣传不符"),
]


def setup_teams(world: World) -> None:
    lead = world.staff["supervisor"].staff_id
    technician = world.staff["technician"].staff_id
    handler = world.staff["complaint_handler"].staff_id
    for city, _weight in CITIES:
        short = city.area_code
        teams.ensure(world.session, f"FIELD-{short}", f"{city.name[:-1]}装维班组", "field", city.name, lead,
                     (technician,))
        teams.ensure(world.session, f"CARE-{short}", f"{city.name[:-1]}投诉处理组", "complaint", city.name, lead,
                     (handler,))
    teams.ensure(world.session, "GREEN", "绿色通道专班", "green", None, lead, (handler,))


def schedule(world: World, subscribers: int) -> None:
    """Set the filed work orders on the timeline (before `world.run`)."""
    start = world.now - timedelta(days=DAYS)
    for _ in range(max(6, subscribers // PER_SUBSCRIBERS)):
        moment = start + timedelta(seconds=world.rng.randint(0, DAYS * 86400 - 4 * 3600))
        world.schedule(moment, lambda: _file(world))
    for number, (external_id, content) in enumerate(PLATFORM):
        moment = start + timedelta(days=3 + 5 * number, hours=10)
        world.schedule(moment, lambda e=external_id, c=content: _forwarded(world, e, c))


def _taker(world: World, channel: str) -> Principal | None:
    return {"hotline": world.staff["agent"], "hall": world.staff["hall_clerk"], "console": world.staff["agent"],
            "chat": world.staff["agent"]}.get(channel)


def _file(world: World) -> None:
    rng = world.rng
    customer = world.pick(world.customers, lambda c: any(line.status == "active" for line in c.lines))
    if customer is None:
        return
    kind, channel = weighted(rng, TYPE_WEIGHTS), weighted(rng, CHANNEL_WEIGHTS)
    line = rng.choice([line for line in customer.lines if line.status == "active"])
    holder = world.session.get(Customer, line.customer_id)  # a line handed over (过户) belongs to its new holder
    taker = _taker(world, channel)
    who = taker or Principal("subscriber", holder.id, holder.name)
    order, _made = service.create(world.session, world.clock, who, type=kind, description=rng.choice(TEXTS[kind]),
                                  channel=channel, customer_id=holder.id, line_id=line.id,
                                  priority="high" if rng.random() < 0.1 else "normal")
    hours = rng.choice((0.5, 1, 2, 3, 6, 12, 20, 30, 40, 60))  # most well inside the limits, a few late
    world.schedule(world.clock.now() + timedelta(minutes=rng.randint(10, 90)), lambda: _start(world, order.id))
    world.schedule(world.clock.now() + timedelta(hours=hours), lambda: _resolve(world, order.id))


def _worker(world: World) -> Principal:
    return world.staff["supervisor"]


def _start(world: World, work_order_id: int) -> None:
    order = service.get(world.session, work_order_id)
    if order.status != "acknowledged":
        return
    service.transition(world.session, world.clock, _worker(world), order, "inProgress", "")
    if world.rng.random() < 0.12:
        service.transition(world.session, world.clock, _worker(world), order, "pending", "客户不方便，约定改天")
        world.schedule(world.clock.now() + timedelta(hours=world.rng.randint(4, 30)),
                       lambda: _resume(world, work_order_id))


def _resume(world: World, work_order_id: int) -> None:
    order = service.get(world.session, work_order_id)
    if order.status == "pending":
        service.transition(world.session, world.clock, _worker(world), order, "inProgress", "")


def _resolve(world: World, work_order_id: int) -> None:
    order = service.get(world.session, work_order_id)
    if order.status not in ("acknowledged", "inProgress", "held"):
        world.schedule(world.clock.now() + timedelta(hours=6), lambda: _resolve(world, work_order_id))
        return
    service.transition(world.session, world.clock, _worker(world), order, "resolved", RESOLUTIONS[order.type])
    rng = world.rng
    if rng.random() < 0.05:
        world.schedule(world.clock.now() + timedelta(hours=20), lambda: _reopen(world, work_order_id))
    elif rng.random() < 0.6:
        world.schedule(world.clock.now() + timedelta(hours=rng.randint(1, 48)), lambda: _confirm(world, work_order_id))


def _customer(world: World, order: WorkOrder) -> Principal:
    return Principal("subscriber", order.customer_id, order.contact_name or "")


def _reopen(world: World, work_order_id: int) -> None:
    order = service.get(world.session, work_order_id)
    if order.status == "resolved":
        service.transition(world.session, world.clock, _customer(world, order), order, "inProgress", "问题仍未解决")
        world.schedule(world.clock.now() + timedelta(hours=8), lambda: _resolve(world, work_order_id))


def _confirm(world: World, work_order_id: int) -> None:
    order = service.get(world.session, work_order_id)
    if order.status != "resolved":
        return
    service.transition(world.session, world.clock, _customer(world, order), order, "closed", "")
    if order.contact_phone and world.rng.random() < 0.7:
        surveys.answer_by_sms(world.session, world.clock, order.contact_phone, weighted(world.rng, SCORES))


def _forwarded(world: World, external_id: str, content: str) -> None:
    customer = world.pick(world.customers)
    if customer is None:
        return
    row = {"external_id": external_id, "complainant": customer.name, "phone": customer.phone, "content": content,
           "received_at": world.clock.now().isoformat(), "city": customer.city}
    intake.import_12315(world.session, world.clock, [json.dumps(row, ensure_ascii=False)])
    found = world.session.scalar(select(WorkOrder).where(WorkOrder.external_id == external_id))
    if found is not None and external_id != PLATFORM[-1][0]:
        world.schedule(world.clock.now() + timedelta(hours=30), lambda: _resolve(world, found.id))


def visit_field_orders(world: World) -> None:
    """The order history's installations older than two days were visited and resolved."""
    cutoff = world.now - timedelta(days=2)
    stmt = (select(WorkOrder).join(Order, Order.id == WorkOrder.order_id)
            .where(WorkOrder.status == "acknowledged", WorkOrder.created_at < cutoff).order_by(WorkOrder.id))
    technician = world.staff["technician"]
    for order in world.session.scalars(stmt).all():
        order.assignee_id = technician.staff_id
        day = (order.created_at + timedelta(days=1)).astimezone(world.clock.tz)
        world.at(day.replace(hour=7, minute=0, second=0, microsecond=0))
        if world.clock.now() >= world.now - timedelta(hours=3):
            continue
        try:
            with world.session.begin_nested():
                _visit(world, technician, order, day.date())
        except DomainError:  # the business no longer fits (say the number was taken): it stays waiting
            continue


def _visit(world: World, technician: Principal, order: WorkOrder, day) -> None:
    visit = field.book(world.session, world.clock, world.staff["agent"], order, day, 10)
    world.at(visit.window_start + timedelta(minutes=20))
    field.arrive(world.session, world.clock, technician, visit)
    world.later(50)
    field.finish(world.session, world.clock, technician, visit, "已完成安装调试，客户签字确认", [f"SN{order.id:08d}"])
    world.later(10)
    service.transition(world.session, world.clock, _worker(world), order, "resolved", "上门安装完成")
