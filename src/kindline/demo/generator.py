"""The demo generator: plays the operator's recent past, in time order.

Subscribers join on their day (real-name record, lines, products, family
numbers, segments); orders arrive on every channel between them and act on
what exists at that moment; last, every catalog product is made sure to be
held. All of it goes through the domain services on a clock that walks from
the start of the demo's past to the runtime clock's present, so the data
carries believable dates and obeys every rule the services enforce.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import partial

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kindline.catalog.models import ProductVersion
from kindline.core.auth.principal import Principal
from kindline.core.clock import Clock
from kindline.customers import lines
from kindline.customers import service as customers
from kindline.customers.models import Customer, Line
from kindline.customers.service import CHANNELS
from kindline.demo import halls as demo_halls
from kindline.demo import hotline as demo_hotline
from kindline.demo import money
from kindline.demo import workorders as demo_workorders
from kindline.demo.coverage import ensure_every_product
from kindline.demo.history import OrderDesk
from kindline.demo.holdings import BIG_PLAN, LinePlan
from kindline.demo.people import ELDERLY_AGE, Person, weighted
from kindline.demo.world import World
from kindline.orders.types import ORDER_TYPES

ELDERLY_SHARE = 0.35
ORDERS_PER_SUBSCRIBER = 0.9  # besides the account openings of joining subscribers
HISTORY_YEARS = 3
FIELD_WORK_DAYS = 14  # field-work orders waiting for technicians are recent
PROGRESS_EVERY = 500

RELATIONS = ("儿子", "女儿", "老伴", "孙子", "孙女", "儿媳", "女婿")
VIP_LEVELS = {1: 30, 2: 25, 3: 18, 4: 12, 5: 8, 6: 5, 7: 2}
OUTDOOR_JOBS = ("环卫工人", "出租车司机", "快递员", "城管队员", "辅警")
SHOWCASES = ("elder", "vip", "tv")


@dataclass
class Joiner:
    person: Person
    elderly: bool  # 65 or older today
    showcase: str | None = None


def generate(session: Session, clock: Clock, *, seed: int, subscribers: int, staff: dict[str, Principal],
             progress: Callable[[str], None]) -> None:
    world = World.start(session, clock, seed, staff)
    demo_workorders.setup_teams(world)
    desk = OrderDesk(world)
    start = _history_start(session, world)
    joined = 0

    def join(joiner: Joiner) -> None:
        nonlocal joined
        _join(world, desk, joiner)
        joined += 1
        if joined % PROGRESS_EVERY == 0 or joined == subscribers:
            progress(f"已生成用户 {joined}/{subscribers} 位")

    for joiner in _joiners(world, subscribers, start):
        world.schedule(joiner.person.arrival, partial(join, joiner))
    for _ in range(round(ORDERS_PER_SUBSCRIBER * subscribers)):
        order_type, channel = desk.random_slot()
        field_work = ORDER_TYPES[order_type].field_work
        earliest = world.now - timedelta(days=FIELD_WORK_DAYS) if field_work else start + (world.now - start) / 20
        when = _moment(world, earliest, world.now - timedelta(minutes=60))
        world.schedule(when, partial(desk.place, order_type, channel))
    money.schedule(world)
    demo_workorders.schedule(world, subscribers)
    demo_hotline.schedule(world, seed, subscribers)
    world.run()
    progress(f"已生成受理单 {desk.submitted} 笔，正在补齐各渠道和产品……")
    world.at(world.now - timedelta(minutes=50))
    desk.complete()
    world.at(world.now - timedelta(minutes=20))
    ensure_every_product(world)
    demo_workorders.visit_field_orders(world)
    money.finish(world)
    demo_halls.create(world, subscribers, progress)


# --- when ----------------------------------------------------------------------------------------------

def _history_start(session: Session, world: World) -> datetime:
    """The demo's past begins when the catalog went on sale, at most three years ago."""
    first_day = session.scalar(select(func.min(ProductVersion.effective_from))) or world.clock.today()
    on_sale = datetime.combine(first_day, time(9), tzinfo=world.clock.tz)
    return min(max(on_sale, world.now - timedelta(days=365 * HISTORY_YEARS)), world.now)


def _moment(world: World, earliest: datetime, latest: datetime, hours: tuple[int, int] = (8, 21)) -> datetime:
    """A random moment in opening hours between two times (clamped to them
    only when a few draws all miss, as on a first or last day)."""
    tz = world.clock.tz
    first, last = earliest.astimezone(tz).date(), latest.astimezone(tz).date()
    for _ in range(5):
        day = first + timedelta(days=world.rng.randint(0, max(0, (last - first).days)))
        seconds = world.rng.randint(hours[0] * 3600, hours[1] * 3600)
        moment = datetime.combine(day, time(0), tzinfo=tz) + timedelta(seconds=seconds)
        if earliest <= moment <= latest:
            return moment
    return min(max(moment, earliest), latest)


# --- who joins -------------------------------------------------------------------------------------------

def _joiners(world: World, count: int, start: datetime) -> list[Joiner]:
    """`count` subscribers in order of joining: the three showcase subscribers
    first, then a mix with the elderly share fixed and every registration
    channel used early on."""
    people, rng = world.people, world.people.rng
    times = sorted(_moment(world, start + timedelta(days=3), world.now - timedelta(hours=2), (9, 19))
                   for _ in range(max(0, count - len(SHOWCASES))))
    first = [start + timedelta(days=1, hours=i) for i in range(len(SHOWCASES))]
    joiners = [Joiner(people.person(elderly=True, arrival=first[0], ages=(70, 79), channel="hall"), True, "elder"),
               Joiner(people.person(elderly=False, arrival=first[1], ages=(36, 48), channel="app"), False, "vip"),
               Joiner(people.person(elderly=False, arrival=first[2], ages=(52, 60), channel="hall"), False, "tv")]
    elderly_left = max(0, round(ELDERLY_SHARE * count) - 1)
    flags = [True] * elderly_left + [False] * max(0, len(times) - elderly_left)
    rng.shuffle(flags)
    for i, (moment, elderly) in enumerate(zip(times, flags)):
        channel = CHANNELS[i] if i < len(CHANNELS) else None
        joiners.append(Joiner(people.person(elderly=elderly, arrival=moment, channel=channel), elderly))
    return joiners[:count]


def _join(world: World, desk: OrderDesk, joiner: Joiner) -> None:
    person = joiner.person
    elderly_then = person.age(world.clock.today()) >= ELDERLY_AGE
    holdings = world.holdings
    showcase = {"elder": holdings.elder_showcase, "vip": holdings.vip_showcase,
                "tv": holdings.tv_showcase}.get(joiner.showcase or "")
    plans = showcase(person.home) if showcase else holdings.for_person(person.home, elderly_then, joiner.elderly)
    mobiles = [p.number for p in plans if p.kind == "mobile"]
    customer = customers.register(world.session, world.clock, name=person.name, id_number=person.id_number,
                                  phone=mobiles[0] if mobiles else world.numbers.mobile(), address=person.address,
                                  channel=person.channel)
    world.customers.append(customer)
    for plan in plans:
        world.later()
        _open(world, desk, customer, person, plan, protect=joiner.showcase is not None)
    money.joined(world, customer)
    _segments(world, customer, person, joiner)


# --- lines -------------------------------------------------------------------------------------------------

def _open(world: World, desk: OrderDesk, customer: Customer, person: Person, plan: LinePlan, protect: bool) -> None:
    if plan.kind != "mobile":
        recent = world.now - world.clock.now() < timedelta(days=FIELD_WORK_DAYS)
        if recent and not protect and world.rng.random() < 0.6:  # still waiting for the installer
            desk.install(customer, plan, person.channel)
            return
        _protect(world, _open_direct(world, customer, plan), protect)
        return
    line = desk.open_account(customer, plan, person.channel) if plan.via_order else _open_direct(world, customer, plan)
    _protect(world, line, protect)
    _family(world, line, plan)
    for card in plan.secondaries:
        world.later()
        _protect(world, desk.open_account(customer, card, person.channel, primary=line) if card.via_order
                 else _open_direct(world, customer, card, primary=line), protect)


def _protect(world: World, line: Line, protect: bool) -> None:
    if protect:
        world.protected.add(line.id)


def _open_direct(world: World, customer: Customer, plan: LinePlan, primary: Line | None = None) -> Line:
    """A line opened at the counter without an order of its own (installed long ago)."""
    line = lines.open_line(world.session, world.clock, customer, kind=plan.kind, number=plan.number, primary=primary,
                           service_address=plan.service_address, stb_serial=plan.stb_serial)
    for code in plan.products:
        lines.subscribe(world.session, world.clock, line, code)
    return world.add_line(line)


def _family(world: World, line: Line, plan: LinePlan) -> None:
    """Family numbers: often other subscribers' lines (children on the same
    network), else outside numbers; location consent follows some days later."""
    rng = world.rng
    for _ in range(plan.family_numbers):
        taken = {f.number for f in line.family_numbers}
        relative = world.pick(world.lines["mobile"], lambda ln: ln.customer_id != line.customer_id
                              and ln.status == "active" and ln.number not in taken, tries=5)
        number = relative.number if relative is not None and rng.random() < 0.4 else world.numbers.mobile()
        lines.add_family_number(world.session, world.clock, line, number, rng.choice(RELATIONS))
    if plan.location_consent and line.family_numbers:
        viewer = line.family_numbers[0].number
        when = max(world.clock.now() + timedelta(days=rng.randint(1, 20)), world.now - timedelta(days=300))

        def consent() -> None:
            if line.status == "active" and any(f.number == viewer for f in line.family_numbers):
                lines.grant_location_consent(world.session, world.clock, line, viewer, days=366)
        world.schedule(when, consent)


# --- segments --------------------------------------------------------------------------------------------

def _segments(world: World, customer: Customer, person: Person, joiner: Joiner) -> None:
    """VIP level, the care archive for elderly people living alone, and the
    priority groups a hall verifies (each by the staff member who may)."""
    rng, session, clock, staff = world.rng, world.session, world.clock, world.staff
    if joiner.showcase == "elder" or (joiner.elderly and rng.random() < 0.12):
        family = [f.number for ln in customer.lines if ln.kind == "mobile" for f in ln.family_numbers]
        child = f"{customer.name[0]}{world.people.faker.first_name()}"
        customers.set_care_archive(session, clock, customer, reason="独居老人", contact_name=child,
                                   contact_phone=family[0] if family else world.numbers.mobile(),
                                   visit_plan="每月上门收费一次", actor=staff["care_specialist"])
    big_plan = any(BIG_PLAN in lines.held_codes(ln) for ln in customer.lines)
    if joiner.showcase == "vip" or (joiner.showcase is None and rng.random() < (0.2 if big_plan else 0.05)):
        level = 5 if joiner.showcase == "vip" else min(7, weighted(rng, VIP_LEVELS) + int(big_plan))
        customers.set_vip_level(session, clock, customer, level, actor=staff["supervisor"],
                                reason="按年度消费评定", source="staff")
    age = person.age(clock.today())
    groups = (("disabled", 0.04 if joiner.elderly else 0.015, True, "持残疾人证"),
              ("pregnant", 0.05, person.gender == "F" and 22 <= age <= 40, "孕期登记"),
              ("military", 0.02, age >= 30, rng.choice(("退役军人优待证", "军属"))),
              ("outdoor_worker", 0.04, 25 <= age <= 60, rng.choice(OUTDOOR_JOBS)))
    for group, chance, fits, note in groups:
        if fits and joiner.showcase is None and rng.random() < chance:
            customers.verify_priority_group(session, clock, customer, group, actor=staff["care_specialist"], note=note)

