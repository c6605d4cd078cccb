"""No input makes the billing API answer 500: random bodies against its writes."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kindline.core.db import transaction
from kindline.customers import lines
from kindline.customers import service as customers
from tests.factories import register

NUMBER = "13912345678"
values = (st.none() | st.booleans() | st.integers(-2 ** 70, 2 ** 70)
          | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=40))
FUZZ = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _bodies(**fields):
    return st.fixed_dictionaries({}, optional={name: strategy | values for name, strategy in fields.items()})


payment_like = _bodies(msisdn=st.sampled_from([NUMBER, "+86 139 1234 5678", "TV1", ""]),
                       amount_fen=st.integers(-10, 10 ** 8), channel=st.sampled_from(["hall_cash", "app", "x"]),
                       external_reference=st.text(max_size=70))
redeem_like = _bodies(serial=st.from_regex(r"K\d{11}", fullmatch=True), pin=st.from_regex(r"\d{16}", fullmatch=True),
                      msisdn=st.just(NUMBER))
batch_like = _bodies(face_value_fen=st.integers(-10, 10 ** 9), count=st.integers(-1, 20),
                     expires_on=st.dates().map(str), note=st.text(max_size=250))


@pytest.fixture
def seeded(runtime):
    customer = register(runtime)
    with transaction(runtime.sessions) as session:
        lines.open_line(session, runtime.clock, customers.get(session, customer), kind="mobile", number=NUMBER)


@FUZZ
@given(body=payment_like)
def test_payments_never_500(client, admin, seeded, body):
    assert client.post("/api/v1/payments", json=body, headers=admin).status_code < 500


@FUZZ
@given(body=redeem_like)
def test_redeem_never_500(client, admin, seeded, body):
    assert client.post("/api/v1/cards/redeem", json=body, headers=admin).status_code < 500


@FUZZ
@given(body=batch_like)
def test_card_batches_never_500(client, admin, body):
    assert client.post("/api/v1/card-batches", json=body, headers=admin).status_code < 500
