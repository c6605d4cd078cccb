"""The demo subscribers `kindline run` invites you to sign in as: an elderly
欢孝卡 holder with family numbers, a VIP with the 98 plan and a secondary
card, and a cable-TV household. Found by what they hold (the lowest customer
id that fits), so the same data always names the same people, and each phone
is a mobile line of their own, which is what portal sign-in looks up.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, aliased

from kindline.catalog import service as catalog
from kindline.customers.models import Customer, FamilyNumber, Line, LineProduct
from kindline.demo.holdings import BIG_PLAN, ELDER_CARD, TV_BASIC


@dataclass(frozen=True)
class Showcase:
    phone: str
    customer_id: int
    name: str
    story: str  # what to look at, in Chinese


def _holds(line, code: str):
    return exists().where(LineProduct.line_id == line.id, LineProduct.product_code == code,
                          LineProduct.status == "active")


def _own_mobile(line):
    return (line.kind == "mobile") & (line.status == "active")


def _elder(session: Session, taken: list[int]) -> Showcase | None:
    row = session.execute(
        select(Customer, Line).join(Line, Line.customer_id == Customer.id)
        .where(_own_mobile(Line), _holds(Line, ELDER_CARD), exists().where(FamilyNumber.line_id == Line.id),
               Customer.id.not_in(taken))
        .order_by(Customer.id, Line.id).limit(1)).first()
    if row is None:
        return None
    customer, line = row
    care = "，特殊关爱档案（独居老人）" if customer.care_archive else ""
    return Showcase(line.number, customer.id, customer.name,
                    f"{_name(session, ELDER_CARD)}长者，{len(line.family_numbers)}个亲情号{care}")


def _vip(session: Session, taken: list[int]) -> Showcase | None:
    card = aliased(Line)
    row = session.execute(
        select(Customer, Line).join(Line, Line.customer_id == Customer.id)
        .where(Customer.vip_level > 0, _own_mobile(Line), _holds(Line, BIG_PLAN),
               exists().where(card.primary_line_id == Line.id, card.status == "active"), Customer.id.not_in(taken))
        .order_by(Customer.id, Line.id).limit(1)).first()
    if row is None:
        return None
    customer, line = row
    cards = session.scalars(select(card.id).where(card.primary_line_id == line.id, card.status == "active")).all()
    return Showcase(line.number, customer.id, customer.name,
                    f"VIP{customer.vip_level}级，{_name(session, BIG_PLAN)}，{len(cards)}张副卡")


def _tv(session: Session, taken: list[int]) -> Showcase | None:
    tv = aliased(Line)
    row = session.execute(
        select(Customer, Line, tv).join(Line, Line.customer_id == Customer.id).join(tv, tv.customer_id == Customer.id)
        .where(_own_mobile(Line), Line.primary_line_id.is_(None), tv.kind == "tv", tv.status == "active",
               _holds(tv, TV_BASIC), Customer.id.not_in(taken))
        .order_by(Customer.id, Line.id, tv.id).limit(1)).first()
    if row is None:
        return None
    customer, line, tv_line = row
    store = [p.product_code for p in tv_line.products if p.status == "active" and p.product_code.startswith("STORE-")]
    return Showcase(line.number, customer.id, customer.name,
                    f"有线电视用户，电视账号 {tv_line.number}，已订商城产品{len(store)}项")


def _name(session: Session, code: str) -> str:
    """The product's name as the catalog has it (its latest version)."""
    return catalog.get_product(session, code).versions[-1].name


def demo_subscribers(session: Session) -> list[Showcase]:
    """Up to three subscribers to try, each a different person."""
    found: list[Showcase] = []
    for pick in (_elder, _vip, _tv):
        showcase = pick(session, [s.customer_id for s in found])
        if showcase is not None:
            found.append(showcase)
    return found


def demo_subscriber_phones(session: Session) -> list[str]:
    return [s.phone for s in demo_subscribers(session)]
