"""What an order costs, asked by the orders service: checked when the order is
submitted and settled when it completes, so every channel pays the same way.

Paid in money (the default), the products the order started are charged by
the rules in fees.py (the first month by day, a one-off product once, nothing
more for a service change). Paid with points (积分兑换), only a product order
qualifies, every product must have a points price, and the account must hold
enough points: they are spent, soonest to expire first, and the products'
first period costs no money (a monthly product bought with points is paid
for the rest of this month; from the next cycle it costs its monthly fee).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kindline.billing import fees, points, service
from kindline.billing.models import Fee, PointRedemption
from kindline.catalog import service as catalog
from kindline.catalog.models import BASE_KINDS
from kindline.core import cycles
from kindline.core.clock import Clock
from kindline.core.errors import Conflict, Invalid
from kindline.customers.models import Line, LineProduct

PAY_WITH = ("money", "points")


def _points_prices(session: Session, clock: Clock, codes: list[str]) -> dict[str, int]:
    prices = {}
    for code in codes:
        _product, version = catalog.offer(session, code, clock.today())
        if version.points_price <= 0:
            raise Conflict("no_points_price", f"{version.name}不能用积分兑换。", f"{code} has no points price",
                           {"product_code": code})
        prices[code] = version.points_price
    return prices


def check(session: Session, clock: Clock, pay_with: str, order_type: str, codes: list[str],
          line: Line | None) -> None:
    """Refuse, before anything changes, an order its payer cannot pay for."""
    if pay_with not in PAY_WITH:
        raise Invalid("invalid_pay_with", "支付方式不正确。", f"unknown pay_with {pay_with!r}", {"known": list(PAY_WITH)})
    if pay_with == "money":
        return
    if order_type != "product_order" or line is None:
        raise Invalid("points_not_accepted", "积分只能用于兑换产品。", "points pay only for product orders")
    need = sum(_points_prices(session, clock, codes).values())
    account = service.find_account(session, line.customer_id)
    have = points.balance(session, clock, account.id if account else None)
    if have < need:
        raise points.insufficient(have, need)


def _started_by(session: Session, order_id: int) -> list[LineProduct]:
    return list(session.scalars(select(LineProduct).where(LineProduct.order_id == order_id,
                                                          LineProduct.status == "active")
                                .order_by(LineProduct.id)))


def settle(session: Session, clock: Clock, order: Any) -> dict[str, Any]:
    """Charge (or spend points on) what a completed order started; answers
    what goes into the order's result."""
    started = _started_by(session, order.id)
    if not started:
        return {}
    cycle = cycles.current(clock)
    line = session.get(Line, started[0].line_id)
    customer_id = line.customer_id
    current = {h.line_product_id: h for h in fees.holdings(session, clock, cycle, [customer_id], at=clock.now())}
    held = [current[p.id] for p in started if p.id in current]
    if (order.request or {}).get("pay_with") == "points":
        return _with_points(session, clock, order, cycle, line, held)
    free = fees.bundled_free(list(current.values()))
    charges = []
    for holding in held:
        kind = catalog.get_product(session, holding.code).kind
        if holding.version.charge == "monthly":
            changed = order.type == "service_change" and kind in BASE_KINDS
            charges.append(fees.monthly_charge(clock, cycle, holding, bundled=holding.line_product_id in free,
                                               changed=changed))
        elif kind not in fees.NOT_A_FEE_KINDS and not holding.version.terms.get("auto_upgrade"):
            charges.append(fees.Charge(holding, holding.version.price_fen, "once"))
    booked = fees.book(session, clock, cycle, charges, reference=f"fee:order:{order.id}",
                       actor=_actor(order))
    return {"charged_fen": booked.charged_fen, "points_earned": booked.points} if charges else {}


def _with_points(session: Session, clock: Clock, order: Any, cycle: str, line: Line,
                 held: list[fees.Holding]) -> dict[str, Any]:
    prices = _points_prices(session, clock, [h.code for h in held])
    need = sum(prices.values())
    account = service.account_for(session, clock, line.customer_id)
    points.spend(session, clock, account.id, need)
    session.add(PointRedemption(account_id=account.id, order_id=order.id, line_id=line.id, points=need,
                                at=clock.now()))
    fees.book(session, clock, cycle, [fees.Charge(h, 0, "points") for h in held],
              reference=f"fee:order:{order.id}", actor=_actor(order))
    session.flush()
    return {"points_spent": need}


def _actor(order: Any) -> str:
    last = order.history[-1] if order.history else None
    return last.actor if last is not None else "system"


def redemption_of(session: Session, order_id: int) -> PointRedemption | None:
    return session.scalar(select(PointRedemption).where(PointRedemption.order_id == order_id))


def fees_of(session: Session, line_product_ids: list[int]) -> list[Fee]:
    return list(session.scalars(select(Fee).where(Fee.line_product_id.in_(line_product_ids)).order_by(Fee.id)))
