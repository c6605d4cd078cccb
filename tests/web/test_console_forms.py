"""Console forms without a browser: one order per idempotency key, refusals
re-rendered in Chinese with nothing changed, the audited unmask, permissions
shown as pages, and field-work transitions."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from kindline.core.audit import AuditRecord
from kindline.core.masking import mask_id_number, mask_phone
from kindline.customers.models import Customer, LineProduct
from kindline.orders.models import Order
from kindline.orders.types import ORDER_TYPES
from tests.factories import load_demo_catalog
from tests.web import seed
from tests.web.session_helpers import idempotency_key_of, staff_login


@pytest.fixture
def people(runtime):
    load_demo_catalog(runtime)
    return {
        "young": seed.subscriber(runtime, "李明", date(1990, 6, 1), {"mobile": ["MOB-98"], "broadband": ["BB-100M"]}),
    }


@pytest.fixture
def agent(runtime):
    return seed.staff_user(runtime, "agent", "agent")


@pytest.fixture
def boss(runtime):
    """A supervisor: pii:view, sms:view and orders:write."""
    return seed.staff_user(runtime, "boss", "supervisor")


def _count(runtime, model, *where) -> int:
    with runtime.sessions() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def _order_form(client, customer, order_type: str = "product_order") -> str:
    answer = client.get(f"/console/customers/{customer.id}/orders/new", params={"type": order_type})
    assert answer.status_code == 200
    return idempotency_key_of(answer.text)


def test_a_double_submit_makes_one_order(client, runtime, people, agent):
    young = people["young"]
    token = staff_login(client, agent)
    data = {"csrf_token": token, "type": "product_order", "idempotency_key": _order_form(client, young),
            "line_id": str(young.line_ids["mobile"]), "product_code": "DP-5G-M", "channel": "hall"}
    first = client.post(f"/console/customers/{young.id}/orders", data=data, follow_redirects=False)
    second = client.post(f"/console/customers/{young.id}/orders", data=data, follow_redirects=False)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"].endswith("?created=1")
    assert second.headers["location"] == first.headers["location"].replace("created", "replayed")
    assert _count(runtime, Order) == 1
    assert "没有重复办理" in client.get(second.headers["location"]).text


def test_an_ineligible_order_rerenders_the_form_and_changes_nothing(client, runtime, people, agent):
    young = people["young"]
    token = staff_login(client, agent)
    data = {"csrf_token": token, "type": "product_order", "idempotency_key": _order_form(client, young),
            "line_id": str(young.line_ids["mobile"]), "product_code": "ELDER-CARD"}
    answer = client.post(f"/console/customers/{young.id}/orders", data=data)
    assert answer.status_code == 409
    assert answer.headers["content-type"].startswith("text/html")
    assert "欢孝卡仅限65周岁及以上的实名用户办理，该用户现年36周岁。" in answer.text
    assert f'value="{data["idempotency_key"]}"' in answer.text  # the same form, kept
    assert _count(runtime, Order) == 0
    assert _count(runtime, LineProduct, LineProduct.product_code == "ELDER-CARD") == 0


def test_a_missing_field_is_answered_on_the_form(client, runtime, people, agent):
    young = people["young"]
    token = staff_login(client, agent)
    answer = client.post(f"/console/customers/{young.id}/orders",
                         data={"csrf_token": token, "type": "relocation", "idempotency_key": "k-relocation",
                               "line_id": str(young.line_ids["broadband"])})
    assert answer.status_code == 422 and "请填写装机地址。" in answer.text
    assert _count(runtime, Order) == 0


def test_every_order_type_has_a_form(client, people, agent):
    staff_login(client, agent)
    for order_type in ORDER_TYPES:
        answer = client.get(f"/console/customers/{people['young'].id}/orders/new", params={"type": order_type})
        assert answer.status_code == 200, order_type
        assert f'<input type="hidden" name="type" value="{order_type}">' in answer.text


def test_unmask_needs_pii_view_and_is_audited(client, runtime, people, agent, boss):
    young = people["young"]
    token = staff_login(client, agent)
    page = client.get(f"/console/customers/{young.id}").text
    assert "查看完整信息" not in page and young.phone not in page
    refused = client.post(f"/console/customers/{young.id}/reveal", data={"csrf_token": token, "reason": "核对"})
    assert refused.status_code == 403 and "您没有权限进行此操作" in refused.text
    assert _count(runtime, AuditRecord) == 0

    client.post("/console/logout", data={"csrf_token": token})
    token = staff_login(client, boss)
    no_reason = client.post(f"/console/customers/{young.id}/reveal", data={"csrf_token": token, "reason": " "})
    assert no_reason.status_code == 422 and "查看完整信息须填写原因" in no_reason.text
    shown = client.post(f"/console/customers/{young.id}/reveal", data={"csrf_token": token, "reason": "本人来厅核对"})
    assert shown.status_code == 200 and young.phone in shown.text
    with runtime.sessions() as session:
        record = session.scalars(select(AuditRecord)).one()
    assert (record.action, record.subject_id, record.reason) == ("pii:view", young.id, "本人来厅核对")
    assert young.phone not in client.get(f"/console/customers/{young.id}").text  # masked again


def test_the_sms_page_needs_its_permission(client, people, agent):
    staff_login(client, agent)
    answer = client.get("/console/sms")
    assert answer.status_code == 403 and "您没有权限进行此操作" in answer.text
    assert 'href="/console/sms"' not in client.get("/console").text


def test_search_finds_by_phone_name_or_id_tail(client, runtime, people, agent):
    young = people["young"]
    with runtime.sessions() as session:
        id_number = session.get(Customer, young.id).id_number
    staff_login(client, agent)
    for query, by in ((young.name, "auto"), ("李", "name"), (young.phone, "auto"), (young.phone, "phone"),
                      (id_number[-6:], "auto"), (id_number[-4:], "id"), (id_number, "auto")):
        answer = client.get("/console/customers", params={"q": query, "by": by})
        assert "共 1 位客户" in answer.text and f'href="/console/customers/{young.id}"' in answer.text, (query, by)
        assert f"<td>{mask_phone(young.phone)}</td>" in answer.text  # masked in the list
        assert f"<td>{mask_id_number(id_number)}</td>" in answer.text


def test_a_field_work_order_needs_a_reason_to_be_rejected(client, runtime, people, boss):
    young = people["young"]
    token = staff_login(client, boss)
    created = client.post(f"/console/customers/{young.id}/orders", follow_redirects=False, data={
        "csrf_token": token, "type": "relocation", "idempotency_key": "k-move",
        "line_id": str(young.line_ids["broadband"]), "service_address": "南京市秦淮区中华路8号"})
    order_path = created.headers["location"].split("?")[0]
    assert "已受理" in client.get(order_path).text
    refused = client.post(f"{order_path}/transitions", data={"csrf_token": token, "to": "rejected", "reason": ""})
    assert refused.status_code == 422 and "驳回或撤销须填写原因" in refused.text
    moved = client.post(f"{order_path}/transitions", data={"csrf_token": token, "to": "in_progress"},
                        follow_redirects=False)
    assert moved.status_code == 303
    with runtime.sessions() as session:
        assert session.scalar(select(Order.status)) == "in_progress"
