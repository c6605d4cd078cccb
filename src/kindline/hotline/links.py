"""What a contact led to: the orders and work orders linked to it.

The agent makes them where every channel makes them (the console's order and
work-order forms, the same services as the API and the halls), not in a second
form on the desk. So the desk asks, at the disposition, which ones the agent
made for the caller's customer while the contact was theirs and offers them
for linking; numbers typed by hand are checked to exist (asked of their
domains, rule 1), so a typo is answered instead of linked.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from kindline.hotline import agents
from kindline.hotline.models import Contact
from kindline.orders import service as orders
from kindline.workorders import service as workorders

MAX_LINKS = 20
RECENT = 50  # the customer's newest orders looked at (work orders: the agent's own, all of them)


def check(session: Session, order_ids: list[int], work_order_ids: list[int]) -> tuple[list[int], list[int]]:
    """The ids without repeats, each found (else NotFound with its Chinese name)."""
    order_ids, work_order_ids = list(dict.fromkeys(order_ids)), list(dict.fromkeys(work_order_ids))
    for order_id in order_ids:
        orders.get(session, order_id)
    for work_order_id in work_order_ids:
        workorders.get(session, work_order_id)
    return order_ids, work_order_ids


def _during(contact: Contact, made: datetime) -> bool:
    closed = contact.wrapup_end_at
    return contact.answered_at is not None and contact.answered_at < made and (closed is None or made <= closed)


def made_during(session: Session, contact: Contact) -> tuple[list[int], list[int]]:
    """Orders and work orders the handling agent made for the caller's customer
    between the answer and the end of wrap-up, not linked yet (oldest first)."""
    if contact.customer_id is None or contact.agent_id is None or contact.answered_at is None:
        return [], []
    staff_id = agents.get(session, contact.agent_id).staff_id
    made_orders = [o.id for o in session.scalars(orders.query(customer_id=contact.customer_id).limit(RECENT))
                   if o.owner_id == staff_id and _during(contact, o.created_at) and o.id not in contact.order_ids]
    made_work = [w.id for w in session.scalars(workorders.query(customer_id=contact.customer_id, owner_id=staff_id))
                 if _during(contact, w.created_at) and w.id not in contact.work_order_ids]
    return sorted(made_orders)[:MAX_LINKS], sorted(made_work)[:MAX_LINKS]
