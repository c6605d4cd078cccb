"""What a contact led to: the orders and work orders the agent made for the
caller while the contact was theirs are offered for linking, and numbers that
do not exist are refused instead of linked."""

from __future__ import annotations

import uuid

import pytest

from kindline.core.auth.models import StaffUser
from kindline.core.auth.service import staff_principal
from kindline.core.db import transaction
from kindline.core.errors import NotFound
from kindline.hotline import links, service
from kindline.orders import service as orders
from kindline.orders.schemas import OrderCreate
from kindline.workorders import service as workorders
from tests.hotline.conftest import contact_of
from tests.hotline.test_lifecycle import call, do


def _order(runtime, staff_id: int, customer_id: int) -> int:
    """A change of address: an order that needs no catalog (and keeps the phone the caller is known by)."""
    with transaction(runtime.sessions) as session:
        principal = staff_principal(session.get(StaffUser, staff_id))
        address = {"province": "江苏省", "city": "南京市", "district": "鼓楼区", "detail": f"中山路{uuid.uuid4().hex[:4]}号"}
        request = OrderCreate(type="customer_info_change", customer_id=customer_id, channel="hotline", address=address)
        order, _ = orders.submit(session, runtime.clock, principal, request, uuid.uuid4().hex)
        return order.id


def _work_order(runtime, staff_id: int, customer_id: int) -> int:
    with transaction(runtime.sessions) as session:
        principal = staff_principal(session.get(StaffUser, staff_id))
        order, _ = workorders.create(session, runtime.clock, principal, type="complaint", description="来电反映话费有疑问",
                                     channel="hotline", customer_id=customer_id)
        return order.id


def _made(runtime, contact_id: int) -> tuple[list[int], list[int]]:
    with runtime.sessions() as session:
        return links.made_during(session, service.get(session, contact_id))


def test_what_the_agent_made_during_the_call_is_offered_and_then_linked(runtime, seat, caller, tick):
    agent, other = seat({"general": 3}), seat({"general": 3}, available=False)
    person = caller()
    before = _order(runtime, agent.staff_id, person.customer_id)  # made before the call: not the call's
    tick(5)
    contact_id = call(runtime, person.phone, queue="GENERAL")
    assert contact_of(runtime, contact_id).agent_id == agent.agent_id
    assert _made(runtime, contact_id) == ([], [])  # ringing: nothing made yet
    do(runtime, "answer", contact_id, staff_id=agent.staff_id)
    tick(30)
    order_id = _order(runtime, agent.staff_id, person.customer_id)
    work_order_id = _work_order(runtime, agent.staff_id, person.customer_id)
    _order(runtime, other.staff_id, person.customer_id)  # a colleague's, at the same time: not this call's
    assert _made(runtime, contact_id) == ([order_id], [work_order_id])

    do(runtime, "end", contact_id, staff_id=agent.staff_id)
    do(runtime, "dispose", contact_id, resolved=True, order_ids=[order_id], work_order_ids=[work_order_id],
       staff_id=agent.staff_id)
    linked = contact_of(runtime, contact_id)
    assert (linked.order_ids, linked.work_order_ids) == ([order_id], [work_order_id])
    assert before not in linked.order_ids
    assert _made(runtime, contact_id) == ([], [])  # linked: no longer offered
    do(runtime, "finish_wrapup", contact_id, staff_id=agent.staff_id)
    tick(60)
    _order(runtime, agent.staff_id, person.customer_id)  # after the wrap-up: the next call's business
    assert _made(runtime, contact_id) == ([], [])


def test_a_number_that_does_not_exist_is_refused_and_nothing_is_linked(runtime, seat, caller):
    agent = seat({"general": 3})
    person = caller()
    contact_id = call(runtime, person.phone, queue="GENERAL")
    do(runtime, "answer", contact_id, staff_id=agent.staff_id)
    with pytest.raises(NotFound) as refused:
        do(runtime, "dispose", contact_id, resolved=True, order_ids=[987654], staff_id=agent.staff_id)
    assert "订单" in refused.value.message
    with pytest.raises(NotFound):
        do(runtime, "dispose", contact_id, resolved=False, work_order_ids=[987654], staff_id=agent.staff_id)
    unchanged = contact_of(runtime, contact_id)
    assert (unchanged.order_ids, unchanged.work_order_ids, unchanged.resolved) == ([], [], None)
