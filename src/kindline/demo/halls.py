"""The demo's service halls: ten halls in the three cities on real roads,
some open 09:00-20:00 every day, each with a care counter, a VIP counter and
general counters and a care station; yesterday played through the hall
simulator at one flagship hall per city (tickets with green-channel ones,
real subscribers among the visitors), care-station visits, an anti-fraud
class with sign-ups, attendance and follow-up visits, a class still to come,
and, when a flagship hall is open now, a short live queue for the board.

Everything goes through the halls services on the demo's clock, so the
event log and the KPIs are the real ones. The day scales with the number of
subscribers, so a small test load stays quick.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import time, timedelta

from kindline.core.clock import VirtualClock
from kindline.customers.idnumber import age_on
from kindline.customers.models import Customer
from kindline.demo.people import ELDERLY_AGE
from kindline.demo.world import World
from kindline.halls import care, desk, hours, service, tickets
from kindline.halls.models import Hall
from kindline.halls.scenario import Scenario
from kindline.halls.simulator import Day
from kindline.halls.tickets import Identity

LONG = {str(d): [["09:00", "20:00"]] for d in range(1, 8)}
OFFICE = {**{str(d): [["08:30", "18:00"]] for d in range(1, 6)}, "6": [["09:00", "17:00"]], "7": [["09:00", "17:00"]]}
SPRING_FESTIVAL = {"2027-02-06": [], "2027-02-07": [["10:00", "16:00"]]}  # 春节: closed, then short hours
CARE_ALL = ["rest", "water", "convenience", "phone_tutoring", "charging", "wifi"]
# code, name, city, district, road and number, lat, lon, hours, counters (flagship halls have six)
HALLS = (
    ("NJ-XJK", "新街口营业厅", "南京市", "玄武区", "中山路88号", 32.0425, 118.7847, LONG, 6),
    ("NJ-GL", "鼓楼营业厅", "南京市", "鼓楼区", "中山北路105号", 32.0660, 118.7702, OFFICE, 4),
    ("NJ-HX", "河西营业厅", "南京市", "建邺区", "江东中路200号", 32.0041, 118.7322, LONG, 4),
    ("NJ-JN", "江宁营业厅", "南京市", "江宁区", "双龙大道1000号", 31.9502, 118.8416, OFFICE, 4),
    ("SZ-GQ", "观前营业厅", "苏州市", "姑苏区", "人民路1500号", 31.3121, 120.6172, LONG, 6),
    ("SZ-WZ", "吴中营业厅", "苏州市", "吴中区", "东吴北路66号", 31.2631, 120.6312, OFFICE, 4),
    ("SZ-KS", "昆山营业厅", "苏州市", "昆山市", "前进中路218号", 31.3851, 120.9811, OFFICE, 4),
    ("WX-CAS", "崇安寺营业厅", "无锡市", "梁溪区", "中山路300号", 31.5702, 120.2998, LONG, 6),
    ("WX-BH", "滨湖营业厅", "无锡市", "滨湖区", "湖滨路58号", 31.5276, 120.2838, OFFICE, 4),
    ("WX-XW", "新吴营业厅", "无锡市", "新吴区", "长江路16号", 31.5509, 120.3531, OFFICE, 4),
)
FLAGSHIPS = ("NJ-XJK", "SZ-GQ", "WX-CAS")
# Visitors per hour at a flagship hall of the full demo (2,000 subscribers).
ARRIVALS = {9: 22, 10: 34, 11: 36, 12: 22, 13: 20, 14: 30, 15: 32, 16: 28, 17: 22, 18: 14, 19: 8}
MIX = {"business": 30.0, "payment": 28.0, "consultation": 16.0, "complaint": 4.0, "broadband_tv": 16.0, "care": 6.0}
MINUTES = {"business": 7.0, "payment": 3.0, "consultation": 5.0, "complaint": 9.0, "broadband_tv": 7.0, "care": 6.0}
CARE_GROUP_WEIGHTS = {"elderly": 55, "outdoor_worker": 20, "disabled": 6, "pregnant": 6, "military": 5, "other": 8}
SIGNUP_WEIGHTS = {"hall": 40, "hotline": 25, "portal": 20, "sms": 15}
QUESTIONS = ("接到自称客服的电话要退款怎么办", "怎么拦截骚扰电话", "微信里陌生人发链接能不能点", "怎么查话费余额")


def _counters(session, hall: Hall, count: int) -> None:
    kinds = ["care", "vip"] + ["general"] * (count - 3) + ["business"]
    for number, kind in enumerate(kinds[:count], start=1):
        categories = ["business", "broadband_tv"] if kind == "business" else None
        service.add_counter(session, None, hall, number=number, kind=kind, categories=categories)


def _elders(world: World) -> list[Customer]:
    today = world.now.astimezone(world.clock.tz).date()
    return [c for c in world.customers if age_on(c.birth_date, today) >= ELDERLY_AGE]


def _who(world: World) -> Callable[[random.Random, str | None, bool], Identity]:
    """Visitors: many are the demo's own subscribers, looked up by phone as at the kiosk."""
    elders = _elders(world)
    vips = [c for c in world.customers if c.vip_level > 0]
    elder_ids = {c.id for c in elders}
    others = [c for c in world.customers if c.id not in elder_ids]

    def lookup(customer: Customer) -> Identity:
        return tickets.identify(world.session, world.clock, phone=customer.phone)

    def who(rng: random.Random, group: str | None, vip: bool) -> Identity:
        if group == "elderly" and elders and rng.random() < 0.7:
            return lookup(rng.choice(elders))
        if group:
            return Identity(green=True, group=group, group_source="declared")
        if vip and vips:
            return lookup(rng.choice(vips))
        if others and rng.random() < 0.5:
            return lookup(rng.choice(others))
        return Identity()

    return who


def _scale(subscribers: int) -> float:
    return min(1.0, max(0.08, subscribers / 2000))


def _yesterday(world: World, hall: Hall, subscribers: int, seed: int) -> None:
    day = (world.now.astimezone(world.clock.tz) - timedelta(days=1)).date()
    spans = hours.of(hall).on(day)
    if not spans:
        return
    opens, closes = spans[0][0], spans[-1][1] or time(23, 59)
    factor = _scale(subscribers)
    arrivals = {h: n * factor for h, n in ARRIVALS.items() if opens.hour <= h < closes.hour}
    scenario = Scenario(name=hall.name, seed=seed, day=day, opens=opens, closes=closes, arrivals_per_hour=arrivals,
                        category_mix=MIX, handling_minutes=MINUTES, green_share=0.18, vip_share=0.05,
                        no_show_share=0.03, remote_share=0.05)
    numbers = [c.number for c in service.counters(world.session, hall.id)]
    Day(world.session, world.clock, hall, scenario, numbers[:-1], who=_who(world)).run()


def _care_visits(world: World, hall: Hall, rng: random.Random, count: int) -> None:
    day = world.now.astimezone(world.clock.tz) - timedelta(days=1)
    groups = list(CARE_GROUP_WEIGHTS)
    for _ in range(count):
        world.clock.set(day.replace(hour=rng.randint(9, 17), minute=rng.randint(0, 59), second=0, microsecond=0))
        group = rng.choices(groups, weights=list(CARE_GROUP_WEIGHTS.values()))[0]
        offered = hall.care_services
        service_ = "charging" if group == "outdoor_worker" and rng.random() < 0.5 else rng.choice(offered)
        care.record_visit(world.session, world.clock, world.staff["care_specialist"], hall, service=service_,
                          group=group)


def _classes(world: World, hall: Hall, rng: random.Random) -> None:
    clock, staff = world.clock, world.staff
    elders = _elders(world) or list(world.customers)
    day = (world.now.astimezone(clock.tz) - timedelta(days=1)).replace(hour=14, minute=0, second=0, microsecond=0)
    clock.set(day - timedelta(days=7))
    held = care.create_class(world.session, clock, staff["supervisor"], topic="anti_fraud", title="识破冒充客服退款诈骗",
                             starts_at=day, capacity=20, hall=hall, teacher="周爱华")
    people = rng.sample(elders, min(12, len(elders)))
    for index, person in enumerate(people):
        clock.set(day - timedelta(days=6) + timedelta(hours=index * 9))
        channel = rng.choices(list(SIGNUP_WEIGHTS), weights=list(SIGNUP_WEIGHTS.values()))[0]
        care.sign_up(world.session, clock, staff["care_specialist"], held.id, channel=channel, phone=person.phone,
                     name=person.name)
    clock.set(day + timedelta(hours=1, minutes=30))
    rows = care.signups(world.session, held.id)
    came = [s.id for s in rows if rng.random() < 0.75]
    care.take_attendance(world.session, clock, staff["care_specialist"], held.id, came,
                         [i for i in came if rng.random() < 0.7])
    for index, signup_id in enumerate(came[:3]):
        clock.set(min(world.now, day + timedelta(hours=4, minutes=20 * index)))
        care.follow_up(world.session, clock, staff["care_specialist"], held.id, signup_id,
                       method=rng.choice(("phone", "video")), asked=rng.choice(QUESTIONS), solved=rng.random() < 0.8)
    clock.set(world.now - timedelta(hours=3))
    coming = care.create_class(world.session, clock, staff["supervisor"], topic="mobile_payment",
                               title="手机支付安全用", starts_at=day + timedelta(days=8), capacity=15,
                               community="阳光花园社区活动室", city="苏州市", teacher="陈静")
    for person in rng.sample(elders, min(5, len(elders))):
        care.sign_up(world.session, clock, staff["care_specialist"], coming.id,
                     channel=rng.choice(("sms", "hotline", "portal")), phone=person.phone, name=person.name)


def _live_queue(world: World, hall: Hall, rng: random.Random) -> None:
    """A few visitors in the last half hour, when the hall is open now."""
    start = world.now - timedelta(minutes=30)
    world.clock.set(start)
    if not hours.of(hall).is_open(world.clock.local_now()) or not hours.of(hall).is_open(
            world.now.astimezone(world.clock.tz)):
        return
    clerk = world.staff["hall_clerk"]
    for number in (1, 3):
        service.open_counter(world.session, world.clock, clerk, hall, number)
    who = _who(world)
    for index in range(6):
        world.clock.set(start + timedelta(minutes=4 * index))
        identity = who(rng, "elderly" if index == 3 else None, False)
        tickets.take(world.session, world.clock, None, hall, category=rng.choice(list(MIX)), identity=identity)
    world.clock.set(world.now - timedelta(minutes=2))
    for number in (1, 3):
        if service.current_ticket(world.session, service.counter(world.session, hall.id, number)) is None:
            desk.call_next(world.session, world.clock, clerk, hall, number)


def create(world: World, subscribers: int, progress: Callable[[str], None] = lambda _: None) -> None:
    """The halls, yesterday at the flagship halls, care visits, classes and a live queue."""
    rng = random.Random(world.rng.getrandbits(64))
    clock: VirtualClock = world.clock
    clock.set(world.now - timedelta(days=30))
    made = {}
    for code, name, city, district, address, lat, lon, weekly, count in HALLS:
        hall = service.create_hall(world.session, clock, world.staff["supervisor"], code=code, name=name, city=city,
                                   district=district, address=address, lat=lat, lon=lon, hours_=weekly,
                                   special_days=SPRING_FESTIVAL, care_services=CARE_ALL, phone="10000")
        _counters(world.session, hall, count)
        made[code] = hall
    for code in FLAGSHIPS:
        progress(f"正在模拟{made[code].name}昨天的排队叫号……")
        _yesterday(world, made[code], subscribers, rng.getrandbits(32))
        _care_visits(world, made[code], rng, max(3, round(12 * _scale(subscribers))))
    _classes(world, made["NJ-XJK"], rng)
    _live_queue(world, made["NJ-XJK"], rng)
    clock.set(world.now)
