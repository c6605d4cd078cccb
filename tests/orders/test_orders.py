"""Orders: every business type, eligibility in one place, idempotent submission,
the status machine and its history."""

import uuid
from datetime import date

import pytest
from sqlalchemy import func, select

from kindline.core.auth.principal import Principal
from kindline.customers import lines
from kindline.customers.models import Line
from kindline.orders.models import Order
from tests.concurrency import at_once
from tests.factories import (
    customer_body,
    load_demo_catalog,
    mobile,
    open_mobile,
    register,
)


@pytest.fixture
def catalog(runtime):
    load_demo_catalog(runtime)


@pytest.fixture
def clerk(staff):
    return staff("hall_clerk")


def _post(client, headers, body, key=None):
    return client.post("/api/v1/orders", json=body, headers={**headers, "Idempotency-Key": key or uuid.uuid4().hex})


def _orders(runtime) -> int:
    with runtime.sessions() as session:
        return session.scalar(select(func.count()).select_from(Order))


def _line(runtime, line_id):
    with runtime.sessions() as session:
        line = lines.get(session, line_id)
        return line.status, sorted(lines.held_codes(line)), line.customer_id, line


def test_account_opening_completes_with_history_and_owner(client, runtime, catalog, clerk):
    customer = register(runtime)
    answer = _post(client, clerk, {"type": "account_opening", "customer_id": customer, "number": mobile(),
                                   "product_codes": ["MOB-98", "AUTO-UP-1G"]})
    assert answer.status_code == 201, answer.text
    order = answer.json()
    assert order["status"] == "completed" and order["owner_id"] is not None
    assert [(h["from_status"], h["to_status"]) for h in order["history"]] == [
        (None, "submitted"), ("submitted", "accepted"), ("accepted", "completed")]
    status, held, _, _ = _line(runtime, order["result"]["line_id"])
    assert status == "active" and held == ["AUTO-UP-1G", "MOB-98"]


def test_under_65_ordering_elder_card_is_refused_with_reason_and_nothing_changes(client, runtime, catalog, clerk):
    customer = register(runtime, birth=date(1970, 1, 1))
    line_id = open_mobile(runtime, customer)
    answer = _post(client, clerk, {"type": "product_order", "customer_id": customer, "line_id": line_id,
                                   "product_codes": ["ELDER-CARD"]})
    assert answer.status_code == 409
    assert answer.json()["code"] == "ineligible_product"
    assert "65周岁" in answer.json()["message"]
    assert _orders(runtime) == 0 and _line(runtime, line_id)[1] == []


def test_every_channel_gets_the_same_refusal(client, runtime, catalog, clerk):
    customer = register(runtime, birth=date(1970, 1, 1))
    line_id = open_mobile(runtime, customer)
    subscriber = {"Authorization": "Bearer " + runtime.tokens.issue(Principal("subscriber", customer, "x"))}
    answers = []
    for channel, headers in [("hall", clerk), ("hotline", clerk), ("online", subscriber), ("app", subscriber)]:
        answers.append(_post(client, headers, {"type": "product_order", "customer_id": customer, "line_id": line_id,
                                               "channel": channel, "product_codes": ["ELDER-CARD"]}).json())
    assert len({(a["code"], a["message"]) for a in answers}) == 1


def test_same_key_twice_is_one_order(client, runtime, catalog, clerk):
    customer = register(runtime)
    line_id = open_mobile(runtime, customer, "MOB-59")
    body = {"type": "product_order", "customer_id": customer, "line_id": line_id, "product_codes": ["DP-5G-M"]}
    first = _post(client, clerk, body, key="key-1")
    second = _post(client, clerk, body, key="key-1")
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.headers["Idempotent-Replayed"] == "true"
    assert first.json()["id"] == second.json()["id"] and _orders(runtime) == 1
    reused = _post(client, clerk, {**body, "product_codes": ["DP-10G-M"]}, key="key-1")
    assert reused.status_code == 409 and reused.json()["code"] == "idempotency_key_reused"


def test_same_key_concurrently_is_one_order(runtime, catalog, staff):
    from fastapi.testclient import TestClient

    from kindline.app import create_app

    clerk = staff("hall_clerk")
    customer = register(runtime)
    line_id = open_mobile(runtime, customer, "MOB-59")
    body = {"type": "product_order", "customer_id": customer, "line_id": line_id, "product_codes": ["DP-5G-M"]}
    app = create_app(runtime)

    def submit(_n):
        with TestClient(app) as client:
            return _post(client, clerk, body, key="same-key").status_code

    results = at_once(8, submit)
    assert sorted(results) == [200] * 7 + [201]
    assert _orders(runtime) == 1
    assert _line(runtime, line_id)[1] == ["DP-5G-M", "MOB-59"]


def test_missing_idempotency_key_is_refused(client, runtime, catalog, clerk):
    customer = register(runtime)
    answer = client.post("/api/v1/orders", json={"type": "account_opening", "customer_id": customer}, headers=clerk)
    assert answer.status_code == 422


def test_service_change_swaps_the_plan_and_keeps_add_ons(client, runtime, catalog, clerk):
    customer = register(runtime)
    line_id = open_mobile(runtime, customer, "MOB-39", "DP-5G-M")
    answer = _post(client, clerk, {"type": "service_change", "customer_id": customer, "line_id": line_id,
                                   "product_codes": ["MOB-98"]})
    assert answer.status_code == 201, answer.text
    assert _line(runtime, line_id)[1] == ["DP-5G-M", "MOB-98"]
    again = _post(client, clerk, {"type": "product_order", "customer_id": customer, "line_id": line_id,
                                  "product_codes": ["MOB-59"]})
    assert again.json()["code"] == "plan_exists"


def test_unsubscribe_and_account_closing(client, runtime, catalog, clerk):
    customer = register(runtime)
    line_id = open_mobile(runtime, customer, "MOB-98", "DP-5G-M")
    card = open_mobile(runtime, customer, "MOB-SEC", primary_id=line_id)
    assert _post(client, clerk, {"type": "product_unsubscribe", "customer_id": customer, "line_id": line_id,
                                 "product_codes": ["DP-5G-M"]}).status_code == 201
    assert _line(runtime, line_id)[1] == ["MOB-98"]
    not_held = _post(client, clerk, {"type": "product_unsubscribe", "customer_id": customer, "line_id": line_id,
                                     "product_codes": ["DP-5G-M"]})
    assert not_held.json()["code"] == "not_subscribed"
    assert _post(client, clerk, {"type": "account_closing", "customer_id": customer,
                                 "line_id": line_id}).status_code == 201
    assert _line(runtime, line_id)[:2] == ("cancelled", [])
    assert _line(runtime, card)[0] == "cancelled"


def test_field_work_orders_wait_accepted_and_complete_later(client, runtime, catalog, clerk):
    customer = register(runtime)
    answer = _post(client, clerk, {"type": "new_installation", "customer_id": customer, "line_kind": "broadband",
                                   "number": "BB02580001", "service_address": "玄武区北京东路1号3栋201",
                                   "product_codes": ["BB-300M"], "requested_date": "2026-11-24"})
    order = answer.json()
    assert order["status"] == "accepted" and order["needs_field_work"] and order["requested_date"] == "2026-11-24"
    with runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Line)) == 0
    moved = client.post(f"/api/v1/orders/{order['id']}/transitions", json={"to": "in_progress"}, headers=clerk)
    assert moved.json()["status"] == "in_progress"
    done = client.post(f"/api/v1/orders/{order['id']}/transitions", json={"to": "completed"}, headers=clerk).json()
    assert done["status"] == "completed"
    status, held, _, line = _line(runtime, done["line_id"])
    assert held == ["BB-300M"] and line.service_address.startswith("玄武区")
    back = client.post(f"/api/v1/orders/{order['id']}/transitions", json={"to": "in_progress"}, headers=clerk)
    assert back.status_code == 409 and back.json()["code"] == "invalid_transition"


def test_reject_needs_a_reason(client, runtime, catalog, clerk):
    customer = register(runtime)
    line_id = open_mobile(runtime, customer, "MOB-98")
    with runtime.sessions():
        pass
    order = _post(client, clerk, {"type": "relocation", "customer_id": customer, "line_id": line_id,
                                  "service_address": "新地址"}).json()
    assert order["code"] == "not_relocatable"
    tv = _tv_line(runtime, customer)
    order = _post(client, clerk, {"type": "relocation", "customer_id": customer, "line_id": tv,
                                  "service_address": "鼓楼区中山路8号"}).json()
    url = f"/api/v1/orders/{order['id']}/transitions"
    assert client.post(url, json={"to": "rejected"}, headers=clerk).json()["code"] == "reason_required"
    rejected = client.post(url, json={"to": "rejected", "reason": "地址不在覆盖范围"}, headers=clerk).json()
    assert rejected["status"] == "rejected" and rejected["reason"] == "地址不在覆盖范围"
    assert _line(runtime, tv)[3].service_address == "秦淮区中华路1号"


def _tv_line(runtime, customer_id):
    from kindline.core.db import transaction
    from kindline.customers import service

    with transaction(runtime.sessions) as session:
        line = lines.open_line(session, runtime.clock, service.get(session, customer_id), kind="tv",
                               number=f"TV{uuid.uuid4().hex[:8]}", service_address="秦淮区中华路1号",
                               stb_serial="STB-OLD-1")
        lines.subscribe(session, runtime.clock, line, "DTV-BASIC")
        return line.id


def test_tv_equipment_and_authorization(client, runtime, catalog, clerk):
    customer = register(runtime)
    tv = _tv_line(runtime, customer)
    swap = _post(client, clerk, {"type": "equipment_replacement", "customer_id": customer, "line_id": tv,
                                 "stb_serial": "STB-NEW-2", "requested_date": "2026-11-25"}).json()
    done = client.post(f"/api/v1/orders/{swap['id']}/transitions", json={"to": "completed"}, headers=clerk).json()
    assert done["result"] == {"old_stb_serial": "STB-OLD-1"}
    cancel = _post(client, clerk, {"type": "stb_auth_cancel", "customer_id": customer, "line_id": tv}).json()
    assert cancel["status"] == "completed" and _line(runtime, tv)[3].tv_authorization == "cancelled"
    _post(client, clerk, {"type": "stb_auth_refresh", "customer_id": customer, "line_id": tv})
    line = _line(runtime, tv)[3]
    assert (line.tv_authorization, line.stb_serial) == ("authorized", "STB-NEW-2")
    mobile_line = open_mobile(runtime, customer, "MOB-39")
    wrong = _post(client, clerk, {"type": "stb_auth_refresh", "customer_id": customer, "line_id": mobile_line})
    assert wrong.json()["code"] == "not_a_tv_line"


def _wrong_check(number: str) -> str:
    return number[:-1] + ("1" if number[-1] == "0" else "0")


def test_ownership_transfer_runs_real_name_checks(client, runtime, catalog, clerk):
    elder = register(runtime, birth=date(1945, 1, 1))
    line_id = open_mobile(runtime, elder, "ELDER-CARD")
    young = customer_body(birth=date(1995, 1, 1), name="赵磊")
    refused = _post(client, clerk, {"type": "ownership_transfer", "customer_id": elder, "line_id": line_id,
                                    "new_owner": {**young, "id_number": _wrong_check(young["id_number"])}})
    assert refused.json()["code"] in ("invalid_id_checksum", "invalid_id_format")
    ineligible = _post(client, clerk, {"type": "ownership_transfer", "customer_id": elder, "line_id": line_id,
                                       "new_owner": young})
    assert ineligible.status_code == 409 and ineligible.json()["code"] == "ineligible_product"
    assert _line(runtime, line_id)[2] == elder
    spouse = customer_body(birth=date(1947, 2, 2), name="钱桂兰")
    moved = _post(client, clerk, {"type": "ownership_transfer", "customer_id": elder, "line_id": line_id,
                                  "new_owner": spouse})
    assert moved.status_code == 201, moved.text
    assert _line(runtime, line_id)[2] == moved.json()["result"]["new_owner_id"] != elder
    assert spouse["id_number"] not in moved.text  # the stored request is shown masked


def test_customer_info_change(client, runtime, catalog, clerk, staff):
    customer = register(runtime)
    answer = _post(client, clerk, {"type": "customer_info_change", "customer_id": customer, "phone": "13955556666",
                                   "address": {"province": "江苏省", "city": "苏州市", "district": "姑苏区",
                                               "detail": "人民路100号"}})
    assert answer.status_code == 201
    record = client.get(f"/api/v1/customers/{customer}", headers=clerk).json()
    assert record["phone"] == "139****6666" and record["address"]["city"] == "苏州市"


def test_subscribers_order_only_for_themselves_on_self_service_channels(client, runtime, catalog):
    me = register(runtime)
    other = register(runtime)
    line_id = open_mobile(runtime, me, "MOB-59")
    headers = {"Authorization": "Bearer " + runtime.tokens.issue(Principal("subscriber", me, "me"))}
    body = {"type": "product_order", "customer_id": me, "line_id": line_id, "product_codes": ["DP-5G-M"]}
    assert _post(client, headers, {**body, "channel": "hall"}).status_code == 403
    assert _post(client, headers, {**body, "customer_id": other, "channel": "online"}).status_code == 403
    mine = _post(client, headers, {**body, "channel": "online"})
    assert mine.status_code == 201 and mine.json()["owner_id"] is None
    listed = client.get("/api/v1/orders", headers=headers).json()
    assert [o["id"] for o in listed["items"]] == [mine.json()["id"]]


def test_unknown_type_line_of_someone_else_and_unknown_product(client, runtime, catalog, clerk):
    me, other = register(runtime), register(runtime)
    theirs = open_mobile(runtime, other, "MOB-59")
    assert _post(client, clerk, {"type": "teleport", "customer_id": me}).json()["code"] == "invalid_order_type"
    assert _post(client, clerk, {"type": "product_order", "customer_id": me, "line_id": theirs,
                                 "product_codes": ["DP-5G-M"]}).json()["code"] == "line_not_owned"
    assert _post(client, clerk, {"type": "product_order", "customer_id": other, "line_id": theirs,
                                 "product_codes": ["NOPE"]}).status_code == 404
    assert _orders(runtime) == 0


def test_one_base_product_per_line_and_secondary_card_rules(client, runtime, catalog, clerk):
    customer = register(runtime)
    broadband = _post(client, clerk, {"type": "new_installation", "customer_id": customer, "line_kind": "broadband",
                                      "number": "BB02580009", "service_address": "玄武区1号",
                                      "product_codes": ["BB-100M", "BB-300M"]})
    assert broadband.json()["code"] == "plan_exists"
    primary = open_mobile(runtime, customer, "MOB-98")
    on_primary = _post(client, clerk, {"type": "product_order", "customer_id": customer, "line_id": primary,
                                       "product_codes": ["MOB-SEC"]})
    assert on_primary.json()["code"] == "secondary_card_only"
    card = _post(client, clerk, {"type": "account_opening", "customer_id": customer, "number": mobile(),
                                 "primary_line_id": primary, "product_codes": ["MOB-SEC"]})
    assert card.status_code == 201, card.text
    plan_on_card = _post(client, clerk, {"type": "product_order", "customer_id": customer,
                                         "line_id": card.json()["line_id"], "product_codes": ["MOB-39"]})
    assert plan_on_card.json()["code"] == "secondary_shares_plan"
    downgrade = _post(client, clerk, {"type": "service_change", "customer_id": customer, "line_id": primary,
                                      "product_codes": ["MOB-39"]})
    assert downgrade.status_code == 409 and downgrade.json()["code"] == "secondary_cards_exceed"
    assert _line(runtime, primary)[1] == ["MOB-98"]


def test_subscribers_cannot_self_order_what_needs_a_hall(client, runtime, catalog):
    me = register(runtime)
    line_id = open_mobile(runtime, me, "MOB-59")
    headers = {"Authorization": "Bearer " + runtime.tokens.issue(Principal("subscriber", me, "me"))}
    closing = _post(client, headers, {"type": "account_closing", "customer_id": me, "line_id": line_id,
                                      "channel": "online"})
    assert closing.status_code == 403 and closing.json()["code"] == "needs_staff"
    secondary = _post(client, headers, {"type": "product_order", "customer_id": me, "line_id": line_id,
                                        "channel": "app", "product_codes": ["MOB-SEC"]})
    assert secondary.json()["code"] == "secondary_card_only"  # the hall's answer too
    box = _post(client, headers, {"type": "product_order", "customer_id": me, "line_id": _tv_line(runtime, me),
                                  "channel": "app", "product_codes": ["STB-4K"]})
    assert box.status_code == 403 and box.json()["code"] == "needs_staff"
    change = _post(client, headers, {"type": "service_change", "customer_id": me, "line_id": line_id,
                                     "channel": "app", "product_codes": ["MOB-98"]})
    assert change.status_code == 201
    assert _orders(runtime) == 1


def test_service_change_never_strands_dependent_products_or_family_numbers(client, runtime, catalog, clerk):
    elder = register(runtime, birth=date(1950, 1, 1))
    line_id = open_mobile(runtime, elder, "ELDER-CARD", "ELDER-PACK")
    change = _post(client, clerk, {"type": "service_change", "customer_id": elder, "line_id": line_id,
                                   "product_codes": ["MOB-39"]})
    assert change.status_code == 409 and change.json()["code"] == "product_required_by_others"
    assert _post(client, clerk, {"type": "product_unsubscribe", "customer_id": elder, "line_id": line_id,
                                 "product_codes": ["ELDER-PACK"]}).status_code == 201
    client.post(f"/api/v1/lines/{line_id}/family-numbers", json={"number": mobile()}, headers=clerk)
    change = _post(client, clerk, {"type": "service_change", "customer_id": elder, "line_id": line_id,
                                   "product_codes": ["MOB-39"]})
    assert change.json()["code"] == "family_numbers_exceed"
    assert _line(runtime, line_id)[1] == ["ELDER-CARD"]


def test_secondary_card_room_is_checked_before_the_order_exists(client, runtime, catalog, clerk):
    owner = register(runtime)
    small = open_mobile(runtime, owner, "MOB-39")
    answer = _post(client, clerk, {"type": "account_opening", "customer_id": owner, "number": mobile(),
                                   "primary_line_id": small, "product_codes": ["MOB-SEC"]})
    assert answer.json()["code"] == "secondary_cards_full" and _orders(runtime) == 0
