"""The customers contract: registration, masking, segments, unmasking with audit."""

from datetime import date

import pytest
from sqlalchemy import func, select

from kindline.core.audit import AuditRecord
from kindline.customers.models import Customer
from tests.factories import customer_body, resident_id


def _count(runtime, model) -> int:
    with runtime.sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_registration_answers_masked_record_with_derived_age(client, staff):
    body = customer_body(birth=date(1950, 3, 8), phone="+86 139 0000 1111")
    answer = client.post("/api/v1/customers", json=body, headers=staff("agent"))
    assert answer.status_code == 201, answer.text
    record = answer.json()
    assert record["id_number"] == body["id_number"][:6] + "********" + body["id_number"][-4:]
    assert record["phone"] == "139****1111"
    assert record["age"] == 76
    assert record["segments"] == ["elderly"]
    assert body["id_number"] not in answer.text


def test_age_follows_the_clock_not_the_stored_record(client, staff, clock):
    body = customer_body(birth=date(1961, 11, 25))
    created = client.post("/api/v1/customers", json=body, headers=staff("agent")).json()
    assert created["age"] == 64 and "elderly" not in created["segments"]
    clock.advance(3 * 86400)
    again = client.get(f"/api/v1/customers/{created['id']}", headers=staff("agent")).json()
    assert again["age"] == 65 and "elderly" in again["segments"]


@pytest.mark.parametrize("field, value, code", [
    ("id_number", "110105194912310021", "invalid_id_checksum"),
    ("id_number", "110105194902300025", "invalid_id_date"),
    ("id_number", "12345", "invalid_id_format"),
    ("phone", "12345678901", "invalid_phone"),
    ("name", "", "invalid_name"),
])
def test_bad_input_is_refused_and_changes_nothing(client, staff, runtime, field, value, code):
    answer = client.post("/api/v1/customers", json=customer_body(**{field: value}), headers=staff("agent"))
    assert answer.status_code == 422
    assert answer.json()["code"] == code
    assert answer.json()["message"]  # a Chinese sentence for people
    assert _count(runtime, Customer) == 0


def test_duplicate_id_number_is_a_conflict(client, staff, runtime):
    body = customer_body()
    headers = staff("agent")
    assert client.post("/api/v1/customers", json=body, headers=headers).status_code == 201
    again = client.post("/api/v1/customers", json={**body, "phone": "13912340000"}, headers=headers)
    assert again.status_code == 409 and again.json()["code"] == "duplicate_id_number"
    assert _count(runtime, Customer) == 1


def test_malformed_json_is_a_422_not_a_500(client, staff):
    answer = client.post("/api/v1/customers", content=b"{not json", headers={**staff("agent"),
                                                                             "content-type": "application/json"})
    assert answer.status_code == 422 and answer.json()["code"] == "invalid_request"


def test_search_by_phone_name_and_id_tail(client, staff):
    headers = staff("agent")
    body = customer_body(name="李秀英")
    created = client.post("/api/v1/customers", json=body, headers=headers).json()
    client.post("/api/v1/customers", json=customer_body(name="王强"), headers=headers)
    by_phone = client.get("/api/v1/customers", params={"phone": body["phone"]}, headers=headers).json()
    assert [c["id"] for c in by_phone["items"]] == [created["id"]]
    by_name = client.get("/api/v1/customers", params={"name": "秀英"}, headers=headers).json()
    assert by_name["total"] == 1
    by_tail = client.get("/api/v1/customers", params={"id_number": body["id_number"][-6:]}, headers=headers).json()
    assert [c["id"] for c in by_tail["items"]] == [created["id"]]


def test_unmasking_needs_pii_view_and_leaves_an_audit_record(client, staff, runtime):
    body = customer_body()
    created = client.post("/api/v1/customers", json=body, headers=staff("agent")).json()
    url = f"/api/v1/customers/{created['id']}/reveal"
    refused = client.post(url, json={"reason": "核实身份"}, headers=staff("agent"))
    assert refused.status_code == 403 and refused.json()["code"] == "not_allowed"
    assert _count(runtime, AuditRecord) == 0
    shown = client.post(url, json={"reason": "客户来电核实身份"}, headers=staff("supervisor"))
    assert shown.status_code == 200
    assert shown.json() == {"id_number": body["id_number"], "phone": body["phone"]}
    with runtime.sessions() as session:
        entry = session.scalars(select(AuditRecord)).one()
    assert (entry.action, entry.subject_id, entry.reason) == ("pii:view", created["id"], "客户来电核实身份")
    assert entry.actor_id is not None


def test_segments_vip_priority_group_and_care_archive(client, staff):
    created = client.post("/api/v1/customers", json=customer_body(birth=date(1940, 1, 1)),
                          headers=staff("agent")).json()
    base = f"/api/v1/customers/{created['id']}"
    care = staff("care_specialist")
    assert client.put(f"{base}/vip", json={"level": 3, "reason": "年消费达标"}, headers=care).json()["vip_level"] == 3
    assert client.put(f"{base}/vip", json={"level": 9, "reason": "x"}, headers=care).json()["code"] == "invalid_vip_level"
    grouped = client.post(f"{base}/priority-groups", json={"group": "disabled", "note": "残疾证已核验"}, headers=care)
    assert grouped.status_code == 201
    assert grouped.json()["priority_groups"][0]["verified_by"] is not None
    archived = client.put(f"{base}/care-archive", headers=care, json={
        "reason": "独居老人", "contact_name": "张小明", "contact_phone": "13700001111", "visit_plan": "每月上门收费"})
    record = archived.json()
    assert set(record["segments"]) == {"elderly", "vip", "care_archive", "disabled"}
    assert record["care_archive"]["contact_phone"] == "137****1111"
    assert client.put(f"{base}/vip", json={"level": 1, "reason": "x"}, headers=staff("agent")).status_code == 403


def test_unknown_customer_is_404_and_unauthenticated_is_401(client, staff):
    missing = client.get("/api/v1/customers/999999", headers=staff("agent"))
    assert missing.status_code == 404 and missing.json()["code"] == "customer_not_found"
    assert client.get("/api/v1/customers/1").status_code == 401


def test_role_without_permission_is_refused(client, staff):
    answer = client.post("/api/v1/customers", json=customer_body(), headers=staff("technician"))
    assert answer.status_code == 403


def test_duplicate_of_fifteen_digit_legacy_number_is_detected(client, staff):
    headers = staff("agent")
    eighteen = resident_id(date(1949, 12, 31), area="110105")
    fifteen = eighteen[:6] + eighteen[8:17]
    assert client.post("/api/v1/customers", json=customer_body(id_number=fifteen), headers=headers).status_code == 201
    again = client.post("/api/v1/customers", json=customer_body(id_number=eighteen), headers=headers)
    assert again.json()["code"] == "duplicate_id_number"
