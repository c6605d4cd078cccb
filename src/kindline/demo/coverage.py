"""Every product of the catalog is held by at least one line in service, so
every page of the demo (each store channel, each speed-up, the point cards)
has a subscriber to show, however small the population.

This runs after the history, so no later closing or unsubscribe can undo it.
Products needing another one (a speed-up needs a broadband product, the
欢孝包 needs the 欢孝卡) come last, so they find lines that can take them;
whether a line can take a product is asked of the services, never assumed.
"""

from __future__ import annotations

from sqlalchemy import select

from kindline.catalog import service as catalog
from kindline.catalog.models import Product
from kindline.core.errors import Conflict, Invalid
from kindline.customers import lines
from kindline.customers.models import Customer, Line, LineProduct
from kindline.demo.history import home
from kindline.demo.holdings import STB_MODELS
from kindline.demo.world import World

CANDIDATES = 200  # how many lines or subscribers to try for one product


def held_codes(world: World) -> set[str]:
    """Codes held on lines in service."""
    stmt = (select(LineProduct.product_code).join(Line, Line.id == LineProduct.line_id)
            .where(LineProduct.status == "active", Line.status == "active").distinct())
    return set(world.session.scalars(stmt))


def ensure_every_product(world: World) -> list[str]:
    """Give each product nobody holds to a line that may take it; returns their codes."""
    held = held_codes(world)
    on_sale = catalog.catalog_on(world.session, world.clock.today())
    on_sale.sort(key=lambda pv: bool((pv[1].terms.get("eligibility") or {}).get("requires_products")))
    placed = []
    for product, version in on_sale:
        if product.code in held:
            continue
        world.later(1)
        place = _on_secondary_card if product.kind == "secondary_card" else _on_any_line
        if place(world, product):
            placed.append(product.code)
    return placed


def _on_any_line(world: World, product: Product) -> bool:
    return _on_existing_line(world, product) or _on_new_line(world, product)


def _sample(world: World, items: list) -> list:
    return world.rng.sample(items, min(len(items), CANDIDATES))


def _on_existing_line(world: World, product: Product) -> bool:
    for line in _sample(world, world.lines[product.line_kind]):
        if line.status == "active" and world.offerable(line, product.code):
            lines.subscribe(world.session, world.clock, line, product.code)
            return True
    return False


def _on_new_line(world: World, product: Product) -> bool:
    """A new line for a subscriber who may hold the product (for a plan, say)."""
    for customer in _sample(world, world.customers):
        if world.offerable_new(customer, product.line_kind, product.code):
            line = _open(world, customer, product.line_kind, product.code)
            lines.subscribe(world.session, world.clock, line, product.code)
            return True
    return False


def _on_secondary_card(world: World, product: Product) -> bool:
    """A secondary card is a line of its own under a primary whose plan allows
    one; the services say which primaries still have room."""
    for primary in _sample(world, world.lines["mobile"]):
        if primary.status != "active" or primary.primary_line_id is not None:
            continue
        owner = world.session.get(Customer, primary.customer_id)
        try:
            card = lines.open_line(world.session, world.clock, owner, kind="mobile", number=world.numbers.mobile(),
                                   primary=primary)
        except (Conflict, Invalid):
            continue
        world.add_line(card)
        lines.subscribe(world.session, world.clock, card, product.code)
        return True
    return False


def _open(world: World, customer: Customer, kind: str, code: str) -> Line:
    where, numbers = home(customer), world.numbers
    number = {"mobile": numbers.mobile, "broadband": lambda: numbers.broadband(where.city),
              "fixed": lambda: numbers.fixed(where.city), "tv": lambda: numbers.tv_account(where.district)}[kind]()
    serial = numbers.stb_serial(STB_MODELS.get(code, "HD")) if kind == "tv" else None
    line = lines.open_line(world.session, world.clock, customer, kind=kind, number=number,
                           service_address=None if kind == "mobile" else where.full_address, stb_serial=serial)
    return world.add_line(line)

