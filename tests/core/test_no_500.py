"""No input makes the API answer 500: random bodies against the write endpoints."""

import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import load_demo_catalog, open_mobile, register

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)
customer_like = st.fixed_dictionaries({}, optional={
    "name": json_values | st.text(max_size=60), "id_number": json_values | st.from_regex(r"\d{17}[\dX]", fullmatch=True),
    "phone": json_values | st.from_regex(r"1\d{10}", fullmatch=True), "address": json_values,
    "registration_channel": json_values,
})
order_like = st.fixed_dictionaries({"type": st.sampled_from(
    ["account_opening", "new_installation", "service_change", "customer_info_change", "equipment_replacement",
     "product_order", "product_unsubscribe", "relocation", "ownership_transfer", "stb_auth_refresh",
     "stb_auth_cancel", "account_closing", "nonsense"]) | json_values}, optional={
    "customer_id": st.integers(-5, 5) | json_values, "line_id": st.integers(-5, 5) | json_values,
    "product_codes": st.lists(st.sampled_from(["MOB-98", "ELDER-CARD", "DP-5G-M", "STORE-CH-OPERA", "X"]), max_size=3),
    "number": json_values, "line_kind": st.sampled_from(["mobile", "tv", "broadband", "moon"]),
    "new_owner": customer_like, "address": json_values, "phone": json_values, "requested_date": json_values,
    "channel": st.sampled_from(["hall", "online", "pigeon"]),
})

FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(body=customer_like)
def test_customer_registration_never_500(client, staff_headers, body):
    answer = client.post("/api/v1/customers", json=body, headers=staff_headers)
    assert answer.status_code < 500, answer.text
    assert "code" in answer.json() or answer.status_code == 201


@FUZZ
@given(body=order_like)
def test_order_submission_never_500(client, staff_headers, seeded, body):
    answer = client.post("/api/v1/orders", json=body, headers={**staff_headers, "Idempotency-Key": uuid.uuid4().hex})
    assert answer.status_code < 500, answer.text



@pytest.fixture
def staff_headers(staff):
    return staff("admin")


@pytest.fixture
def seeded(runtime):
    load_demo_catalog(runtime)
    customer = register(runtime)
    open_mobile(runtime, customer, "MOB-98")
