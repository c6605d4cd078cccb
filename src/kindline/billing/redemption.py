"""积分兑换: points spent on a product, as a product order paid with points.

It goes through the orders service like every channel's order, so the
eligibility, the self-service scope and the idempotency key are exactly the
same; the order's settlement (order_charges) spends the points.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from kindline.billing import service
from kindline.core.auth.permissions import ORDERS_WRITE
from kindline.core.auth.principal import Principal
from kindline.core.clock import Clock
from kindline.orders import service as orders
from kindline.orders.models import Order
from kindline.orders.schemas import OrderCreate


def redeem(session: Session, clock: Clock, principal: Principal, msisdn: str, product_code: str,
           idempotency_key: str, channel: str | None = None) -> tuple[Order, bool]:
    """The order that redeems `product_code` on the line, and whether it was a replay."""
    line = service.line_for(session, principal, msisdn, ORDERS_WRITE)
    channel = channel or ("hall" if principal.is_staff else "app")
    request = OrderCreate(type="product_order", customer_id=line.customer_id, channel=channel, line_id=line.id,
                          product_codes=[product_code.strip()], pay_with="points")
    return orders.submit(session, clock, principal, request, idempotency_key)
