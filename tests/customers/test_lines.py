"""Lines: products under eligibility, secondary cards, family numbers, consent."""

from datetime import date

import pytest

from kindline.core.auth.principal import Principal
from kindline.core.db import transaction
from kindline.core.errors import Conflict, Invalid
from kindline.customers import lines
from tests.factories import load_demo_catalog, mobile, open_mobile, register


@pytest.fixture
def catalog(runtime):
    load_demo_catalog(runtime)


def test_elder_plan_needs_an_elderly_holder(runtime, catalog):
    young = register(runtime, birth=date(1990, 1, 1))
    with pytest.raises(Conflict) as error:
        open_mobile(runtime, young, "ELDER-CARD")
    assert error.value.code == "ineligible_product"
    assert "65周岁" in error.value.message and "36周岁" in error.value.message


def test_family_numbers_up_to_three_on_the_elder_plan(runtime, catalog):
    elder = register(runtime, birth=date(1950, 1, 1))
    line_id = open_mobile(runtime, elder, "ELDER-CARD")
    with transaction(runtime.sessions) as session:
        line = lines.get(session, line_id)
        for _ in range(3):
            lines.add_family_number(session, runtime.clock, line, mobile(), "子女")
        with pytest.raises(Conflict) as error:
            lines.add_family_number(session, runtime.clock, line, mobile(), "子女")
        assert error.value.code == "family_numbers_full"


def test_no_family_numbers_without_the_elder_plan(runtime, catalog):
    line_id = open_mobile(runtime, register(runtime), "MOB-98")
    with transaction(runtime.sessions) as session, pytest.raises(Conflict) as error:
        lines.add_family_number(session, runtime.clock, lines.get(session, line_id), mobile(), "子女")
    assert error.value.code == "no_family_slots"


def test_elder_pack_requires_the_elder_card_on_the_line(runtime, catalog):
    elder = register(runtime, birth=date(1950, 1, 1))
    bare = open_mobile(runtime, elder, "MOB-39")
    with transaction(runtime.sessions) as session, pytest.raises(Conflict) as error:
        lines.subscribe(session, runtime.clock, lines.get(session, bare), "ELDER-PACK")
    assert "欢孝卡" in error.value.message
    line_id = open_mobile(runtime, elder, "ELDER-CARD", "ELDER-PACK")
    with transaction(runtime.sessions) as session:
        line = lines.get(session, line_id)
        assert set(lines.held_codes(line)) == {"ELDER-CARD", "ELDER-PACK"}
        with pytest.raises(Conflict) as error:
            lines.unsubscribe(session, runtime.clock, line, "ELDER-CARD")
        assert error.value.code == "product_required_by_others"


def test_secondary_cards_follow_the_primary_plan(runtime, catalog):
    owner = register(runtime)
    primary = open_mobile(runtime, owner, "MOB-98")
    allowed = 2
    for _ in range(allowed):
        open_mobile(runtime, owner, "MOB-SEC", primary_id=primary)
    with pytest.raises(Conflict) as error:
        open_mobile(runtime, owner, "MOB-SEC", primary_id=primary)
    assert error.value.code == "secondary_cards_full"
    small = open_mobile(runtime, owner, "MOB-39")
    with pytest.raises(Conflict):
        open_mobile(runtime, owner, primary_id=small)


def test_location_consent_expires_and_can_be_withdrawn(runtime, catalog, clock):
    elder = register(runtime, birth=date(1948, 6, 1))
    line_id = open_mobile(runtime, elder, "ELDER-CARD", "ELDER-PACK")
    child, stranger = mobile(), mobile()
    with transaction(runtime.sessions) as session:
        line = lines.get(session, line_id)
        lines.add_family_number(session, runtime.clock, line, child, "女儿")
        with pytest.raises(Conflict):
            lines.grant_location_consent(session, runtime.clock, line, stranger, 30)
        consent = lines.grant_location_consent(session, runtime.clock, line, child, 30)
        assert lines.may_view_location(session, runtime.clock, line, child)
    clock.advance(31 * 86400)
    with transaction(runtime.sessions) as session:
        line = lines.get(session, line_id)
        assert not lines.may_view_location(session, runtime.clock, line, child)
        lines.grant_location_consent(session, runtime.clock, line, child, 7)
        assert lines.may_view_location(session, runtime.clock, line, child)
        again = lines.active_consents(session, runtime.clock, line)[0]
        lines.withdraw_location_consent(session, runtime.clock, line, again.id)
        assert not lines.may_view_location(session, runtime.clock, line, child)
    assert consent.id != again.id


def test_line_numbers_are_normalised_and_unique(runtime, catalog):
    owner = register(runtime)
    number = mobile()
    open_mobile(runtime, owner, number="+86 " + number)
    with pytest.raises(Conflict) as error:
        open_mobile(runtime, owner, number=number)
    assert error.value.code == "duplicate_line"
    with pytest.raises(Invalid):
        open_mobile(runtime, owner, number="12345")


def test_family_api_masks_numbers_and_subscriber_sees_only_own_line(client, runtime, catalog, staff):
    elder = register(runtime, birth=date(1950, 1, 1))
    line_id = open_mobile(runtime, elder, "ELDER-CARD")
    added = client.post(f"/api/v1/lines/{line_id}/family-numbers", json={"number": "13912345678", "relation": "儿子"},
                        headers=staff("agent"))
    assert added.status_code == 201
    assert added.json()["family_numbers"] == [{"number": "139****5678", "relation": "儿子"}]
    other = register(runtime)
    token = runtime.tokens.issue(Principal("subscriber", other, "other"))
    refused = client.get(f"/api/v1/lines/{line_id}", headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 403


def test_suspend_on_request_and_resume(client, runtime, catalog, staff):
    customer = register(runtime)
    line_id = open_mobile(runtime, customer, "MOB-39")
    headers = staff("hall_clerk")
    suspended = client.post(f"/api/v1/lines/{line_id}/suspend", headers=headers).json()
    assert (suspended["status"], suspended["suspend_reason"]) == ("suspended", "request")
    resumed = client.post(f"/api/v1/lines/{line_id}/resume", headers=headers).json()
    assert (resumed["status"], resumed["suspend_reason"]) == ("active", None)
    with transaction(runtime.sessions) as session:
        lines.cancel(session, runtime.clock, lines.get(session, line_id))
    refused = client.post(f"/api/v1/lines/{line_id}/suspend", headers=headers)
    assert refused.status_code == 409 and refused.json()["code"] == "line_cancelled"
