"""The demo's order history: every business type on the channels a real
operator takes it on, submitted through the orders service exactly as the
halls, the hotline and the self-service channels do.

Each builder looks at what exists at that moment of the simulation and
returns a request, or None when nothing suits (then the slot is skipped).
Field-work orders (installation, equipment, relocation) stay accepted for
the technicians, and a few are cancelled or rejected, with a reason.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta

from kindline.catalog.models import SELF_SERVICE_KINDS
from kindline.core.auth.principal import Principal
from kindline.customers import lines as line_service
from kindline.customers.models import Customer, Line
from kindline.customers.schemas import AddressIn, CustomerCreate
from kindline.customers.service import CHANNELS
from kindline.demo.holdings import BIG_PLAN, ELDER_CARD, LinePlan
from kindline.demo.people import weighted
from kindline.demo.places import PROVINCE, Home, home_of
from kindline.demo.world import World
from kindline.orders import service as orders
from kindline.orders.models import Order
from kindline.orders.schemas import OrderCreate
from kindline.orders.types import ORDER_TYPES, SELF_SERVICE_CHANNELS, SELF_SERVICE_TYPES

# Where each business is taken. Transfers and closings need the holder in person.
CHANNELS_FOR = {
    "account_opening": ("hall", "partner", "online", "app"),
    "new_installation": ("hall", "hotline", "online", "app", "partner"),
    "service_change": ("hall", "hotline", "online", "app", "chat", "terminal"),
    "customer_info_change": ("hall", "hotline", "online", "app", "terminal", "chat"),
    "equipment_replacement": ("hall", "hotline"),
    "product_order": CHANNELS,
    "product_unsubscribe": ("hall", "hotline", "online", "app", "sms", "chat"),
    "relocation": ("hall", "hotline", "online", "app"),
    "ownership_transfer": ("hall",),
    "stb_auth_refresh": ("hall", "hotline", "online", "app", "chat", "terminal"),
    "stb_auth_cancel": ("hall", "hotline"),
    "account_closing": ("hall",),
}
CHANNEL_WEIGHTS = {"hall": 35, "hotline": 20, "app": 15, "online": 10, "sms": 6, "chat": 6, "terminal": 5, "partner": 3}
TYPE_WEIGHTS = {"product_order": 30, "service_change": 10, "customer_info_change": 10, "product_unsubscribe": 8,
                "stb_auth_refresh": 6, "new_installation": 5, "account_opening": 3, "equipment_replacement": 3,
                "relocation": 3, "ownership_transfer": 3, "account_closing": 3, "stb_auth_cancel": 2}

ADDON_KINDS = {"mobile": ("data_pack", "auto_upgrade", "family_pack"), "broadband": ("broadband_speedup", "iptv"),
               "tv": ("tv_channel", "tv_premium", "recharge_card")}
REMOVABLE_KINDS = ("data_pack", "auto_upgrade", "broadband_speedup", "iptv", "tv_channel", "tv_premium")

CANCEL_REASONS = ("客户改约，暂不需要上门", "客户已自行解决，撤销申请", "客户家中近期无人，另行预约")
REJECT_REASONS = ("该地址暂未覆盖光纤网络", "资料不全，请携带身份证原件到营业厅办理", "该小区暂不具备施工条件")


def _where(order_type: str, channel: str) -> str:
    """The channel if it takes this business, else the hall (which takes everything)."""
    return channel if channel in CHANNELS_FOR[order_type] else "hall"


def home(customer: Customer) -> Home:
    return home_of(customer.city, customer.district, customer.address)


class OrderDesk:
    def __init__(self, world: World) -> None:
        self.world = world
        self.submitted = 0
        self.types: Counter[str] = Counter()
        self.channels: Counter[str] = Counter()
        self.pending: list[Order] = []  # field work waiting for technicians
        self.ended: Counter[str] = Counter()  # cancelled / rejected

    # --- submitting -------------------------------------------------------------------------------

    def principal(self, request: OrderCreate, customer: Customer) -> Principal | None:
        """Who takes the order: in a hall the care counter for the elderly, else
        a clerk; on the hotline and in chat an agent; on the other self-service
        channels the subscriber alone when the business is self-service, else
        an agent who accepts the application (网上预约，后台受理); at a partner
        shop its system, with no staff member of ours."""
        staff, channel = self.world.staff, request.channel
        if channel == "hall":
            return staff["care_specialist"] if self.world.elderly(customer) else staff["hall_clerk"]
        if channel in SELF_SERVICE_CHANNELS and channel != "chat" and self._self_service(request):
            return Principal("subscriber", customer.id, customer.name)
        if channel in SELF_SERVICE_CHANNELS or channel == "hotline":
            return staff["agent"]
        return None

    def _self_service(self, request: OrderCreate) -> bool:
        """Within what the orders service lets a subscriber do alone
        (its published SELF_SERVICE_TYPES and SELF_SERVICE_KINDS)."""
        if request.type not in SELF_SERVICE_TYPES:
            return False
        return request.type not in ("product_order", "product_unsubscribe") or all(
            self.world.menu.kinds.get(code) in SELF_SERVICE_KINDS for code in request.product_codes)

    def submit(self, request: OrderCreate) -> Order:
        world = self.world
        customer = world.session.get(Customer, request.customer_id)
        self.submitted += 1
        order, _ = orders.submit(world.session, world.clock, self.principal(request, customer), request,
                                 f"demo-{self.submitted}")
        self.types[order.type] += 1
        self.channels[order.channel] += 1
        self._after(order)
        world.later(1)
        return order

    def _after(self, order: Order) -> None:
        world = self.world
        if order.type == "account_opening":
            world.add_line(world.session.get(Line, order.result["line_id"]))
        elif order.type == "ownership_transfer" and order.request.get("new_owner"):
            world.customers.append(world.session.get(Customer, order.result["new_owner_id"]))
        if ORDER_TYPES[order.type].field_work:
            self.pending.append(order)
            if world.rng.random() < 0.12:
                delay = timedelta(hours=world.rng.randint(2, 72))
                world.schedule(world.clock.now() + delay, lambda: self.end(order))

    def end(self, order: Order, to: str | None = None) -> None:
        """Cancel or reject a waiting field-work order, with the reason people read."""
        if order.status != "accepted":
            return
        rng = self.world.rng
        to = to or rng.choice(("cancelled", "rejected"))
        reason = rng.choice(CANCEL_REASONS if to == "cancelled" else REJECT_REASONS)
        orders.transition(self.world.session, self.world.clock, order, to, self.world.staff["supervisor"], reason)
        self.ended[to] += 1

    def place(self, order_type: str, channel: str) -> bool:
        """Submit one order of this type on this channel, if anything suits now."""
        request = BUILDERS[order_type](self, channel)
        if request is None:
            return False
        self.submit(request)
        return True

    def random_slot(self) -> tuple[str, str]:
        order_type = weighted(self.world.rng, TYPE_WEIGHTS)
        allowed = CHANNELS_FOR[order_type]
        return order_type, weighted(self.world.rng, {c: CHANNEL_WEIGHTS[c] for c in allowed})

    def complete(self) -> None:
        """Make sure the history shows every business type, every channel, and
        both ways a field-work order can end without work."""
        rng = self.world.rng
        for order_type in ORDER_TYPES:
            for _ in range(10):
                if self.types[order_type] or self.place(order_type, rng.choice(CHANNELS_FOR[order_type])):
                    break
        for channel in CHANNELS:
            usable = [t for t in ORDER_TYPES if channel in CHANNELS_FOR[t]]
            for _ in range(10):
                if self.channels[channel] or self.place(rng.choice(usable), channel):
                    break
        for to in ("cancelled", "rejected"):
            waiting = [o for o in self.pending if o.status == "accepted"]
            if not self.ended[to] and waiting:
                self.end(waiting[0], to)

    # --- account opening, also for joining subscribers ----------------------------------------------------

    def open_account(self, customer: Customer, plan: LinePlan, channel: str, primary: Line | None = None) -> Line:
        """A joining subscriber's mobile line (or secondary card), opened by an
        order on the channel they came by, or at the hall."""
        order = self.submit(OrderCreate(type="account_opening", customer_id=customer.id,
                                        channel=_where("account_opening", channel), line_kind="mobile",
                                        number=plan.number, product_codes=plan.products,
                                        primary_line_id=primary.id if primary else None))
        return self.world.session.get(Line, order.result["line_id"])

    def install(self, customer: Customer, plan: LinePlan, channel: str) -> Order:
        """A joining subscriber's broadband, fixed line or TV, waiting for the installer."""
        return self.submit(OrderCreate(
            type="new_installation", customer_id=customer.id, channel=_where("new_installation", channel),
            line_kind=plan.kind, number=plan.number, service_address=plan.service_address,
            stb_serial=plan.stb_serial, product_codes=plan.products, requested_date=self._visit_day()))

    def _visit_day(self) -> date:
        return self.world.clock.today() + timedelta(days=self.world.rng.randint(1, 5))

    def _line(self, kinds: dict[str, int], accept: Callable[[Line], bool]) -> Line | None:
        world = self.world
        return world.pick(world.lines[weighted(world.rng, kinds)], accept)


# --- one builder per business type ------------------------------------------------------------------------

def _addon_order(desk: OrderDesk, channel: str) -> OrderCreate | None:
    world = desk.world
    kinds = {"mobile": 1} if channel == "sms" else {"mobile": 50, "tv": 30, "broadband": 20}
    line = desk._line(kinds, world.in_service)
    if line is None:
        return None
    codes = world.menu.of_kind(*ADDON_KINDS[line.kind])
    if channel == "sms":  # the SMS hall sells what has a command code (3952 and the data packs)
        codes = [c for c in codes if world.menu.sms_codes.get(c)]
    for code in world.rng.sample(codes, len(codes))[:6]:
        if world.offerable(line, code):
            return OrderCreate(type="product_order", customer_id=line.customer_id, channel=channel, line_id=line.id,
                               product_codes=[code])
    return None


def _unsubscribe(desk: OrderDesk, channel: str) -> OrderCreate | None:
    world = desk.world
    removable = [c for c in world.menu.of_kind(*REMOVABLE_KINDS)  # monthly add-ons, and switching off 3952
                 if world.menu.monthly[c] or world.menu.kinds[c] == "auto_upgrade"]
    kinds = {"mobile": 1} if channel == "sms" else {"mobile": 40, "tv": 40, "broadband": 20}
    line = desk._line(kinds, lambda ln: world.changeable(ln)
                      and any(c in removable for c in line_service.held_codes(ln)))
    if line is None:
        return None
    code = world.rng.choice([c for c in line_service.held_codes(line) if c in removable])
    return OrderCreate(type="product_unsubscribe", customer_id=line.customer_id, channel=channel, line_id=line.id,
                       product_codes=[code])


def _service_change(desk: OrderDesk, channel: str) -> OrderCreate | None:
    """套餐变更: a mobile plan (the elderly are offered the 欢孝卡), a broadband
    speed or a fixed-line plan. Lines whose add-ons hang on the current base
    product (a speed-up on 100M, the 欢孝包 and family numbers on the 欢孝卡)
    are left alone, since a change would strand them; the service says whether
    the new base fits (eligibility, room for the secondary cards)."""
    world = desk.world
    kind = weighted(world.rng, {"mobile": 70, "broadband": 20, "fixed": 10})
    bases = world.menu.bases(kind)

    def suits(line: Line) -> bool:
        held = line_service.held_codes(line)
        return (world.changeable(line) and any(c in bases for c in held) and not line.family_numbers
                and not any(world.menu.requires[c] for c in held))

    line = world.pick(world.lines[kind], suits)
    if line is None:
        return None
    held = line_service.held_codes(line)
    others = [b for b in bases if b not in held]
    choices = world.rng.sample(others, len(others))
    if ELDER_CARD in choices and world.elderly(world.session.get(Customer, line.customer_id)) \
            and world.rng.random() < 0.6:
        choices.insert(0, choices.pop(choices.index(ELDER_CARD)))
    new = next((code for code in choices if world.changeable_to(line, code)), None)
    if new is None:
        return None
    return OrderCreate(type="service_change", customer_id=line.customer_id, channel=channel, line_id=line.id,
                       product_codes=[new])


def _moved_home(desk: OrderDesk, customer: Customer) -> Home:
    city = home(customer).city
    district = desk.world.rng.choice(city.districts)
    return Home(city, district, desk.world.people.street(district))


def _info_change(desk: OrderDesk, channel: str) -> OrderCreate | None:
    world = desk.world
    customer = world.pick(world.customers)
    if customer is None:
        return None
    if world.rng.random() < 0.3:  # a new contact number
        return OrderCreate(type="customer_info_change", customer_id=customer.id, channel=channel,
                           phone=world.numbers.mobile())
    moved = _moved_home(desk, customer)
    return OrderCreate(type="customer_info_change", customer_id=customer.id, channel=channel,
                       address=AddressIn(province=PROVINCE, city=moved.city.name, district=moved.district.name,
                                         detail=moved.detail))


def _equipment(desk: OrderDesk, channel: str) -> OrderCreate | None:
    world = desk.world
    line = world.pick(world.lines["tv"], world.in_service)
    if line is None:
        return None
    model = "4K" if "STB-4K" in line_service.held_codes(line) else "HD"
    return OrderCreate(type="equipment_replacement", customer_id=line.customer_id, channel=channel, line_id=line.id,
                       stb_serial=world.numbers.stb_serial(model), requested_date=desk._visit_day(),
                       note="机顶盒无信号，上门更换")


def _relocation(desk: OrderDesk, channel: str) -> OrderCreate | None:
    world = desk.world
    line = desk._line({"broadband": 50, "tv": 30, "fixed": 20}, world.in_service)
    if line is None:
        return None
    moved = _moved_home(desk, world.session.get(Customer, line.customer_id))
    return OrderCreate(type="relocation", customer_id=line.customer_id, channel=channel, line_id=line.id,
                       service_address=moved.full_address, requested_date=desk._visit_day())


def _installation(desk: OrderDesk, channel: str) -> OrderCreate | None:
    world = desk.world
    customer = world.pick(world.customers)
    if customer is None:
        return None
    where, holdings = home(customer), world.holdings
    kind = weighted(world.rng, {"broadband": 60, "tv": 25, "fixed": 15})
    plan = {"broadband": lambda: holdings.broadband(where, "BB-300M", ("IPTV-BASIC",)),
            "tv": lambda: holdings.tv(where, "STB-HD"),
            "fixed": lambda: holdings.fixed(where, "FIX-BASIC")}[kind]()
    return OrderCreate(type="new_installation", customer_id=customer.id, channel=channel, line_kind=plan.kind,
                       number=plan.number, service_address=plan.service_address, stb_serial=plan.stb_serial,
                       product_codes=plan.products, requested_date=desk._visit_day())


def _transfer(desk: OrderDesk, channel: str) -> OrderCreate | None:
    """过户 at the hall: to another subscriber, or to a new one (a son or a
    daughter taking over a parent's line) registered by the order. 欢孝卡 lines
    are not handed over: the new holder's eligibility is checked only when the
    order completes, and a younger holder would be refused there."""
    world = desk.world
    line = desk._line({"mobile": 50, "tv": 20, "fixed": 20, "broadband": 10},
                      lambda ln: world.changeable(ln) and ln.primary_line_id is None
                      and ELDER_CARD not in line_service.held_codes(ln))
    if line is None:
        return None
    if world.rng.random() < 0.35:
        person = world.people.person(elderly=False, arrival=world.clock.now(), ages=(25, 55))
        newcomer = CustomerCreate(name=person.name, id_number=person.id_number, phone=world.numbers.mobile(),
                                  address=AddressIn(province=PROVINCE, city=person.city.name,
                                                    district=person.district.name, detail=person.detail),
                                  registration_channel="hall")
        return OrderCreate(type="ownership_transfer", customer_id=line.customer_id, channel=channel,
                           line_id=line.id, new_owner=newcomer)
    owner = world.pick(world.customers, lambda c: c.id != line.customer_id)
    if owner is None:
        return None
    return OrderCreate(type="ownership_transfer", customer_id=line.customer_id, channel=channel, line_id=line.id,
                       new_owner_customer_id=owner.id)


def _tv_order(order_type: str, changeable: bool) -> Callable[[OrderDesk, str], OrderCreate | None]:
    def build(desk: OrderDesk, channel: str) -> OrderCreate | None:
        world = desk.world
        accept = ((lambda ln: world.changeable(ln) and ln.tv_authorization == "authorized") if changeable
                  else world.in_service)
        line = world.pick(world.lines["tv"], accept)
        if line is None:
            return None
        return OrderCreate(type=order_type, customer_id=line.customer_id, channel=channel, line_id=line.id)
    return build


def _closing(desk: OrderDesk, channel: str) -> OrderCreate | None:
    line = desk._line({"mobile": 50, "tv": 20, "fixed": 20, "broadband": 10}, desk.world.changeable)
    if line is None:
        return None
    return OrderCreate(type="account_closing", customer_id=line.customer_id, channel=channel, line_id=line.id)


def _second_number(desk: OrderDesk, channel: str) -> OrderCreate | None:
    """A subscriber opens another mobile number (for work, or for a grandchild)."""
    world = desk.world
    customer = world.pick(world.customers)
    if customer is None:
        return None
    plan = weighted(world.rng, {"MOB-39": 40, "MOB-59": 40, BIG_PLAN: 20})
    return OrderCreate(type="account_opening", customer_id=customer.id, channel=channel, line_kind="mobile",
                       number=world.numbers.mobile(), product_codes=[plan])


BUILDERS: dict[str, Callable[[OrderDesk, str], OrderCreate | None]] = {
    "account_opening": _second_number,
    "new_installation": _installation,
    "service_change": _service_change,
    "customer_info_change": _info_change,
    "equipment_replacement": _equipment,
    "product_order": _addon_order,
    "product_unsubscribe": _unsubscribe,
    "relocation": _relocation,
    "ownership_transfer": _transfer,
    "stb_auth_refresh": _tv_order("stb_auth_refresh", changeable=False),
    "stb_auth_cancel": _tv_order("stb_auth_cancel", changeable=True),
    "account_closing": _closing,
}
