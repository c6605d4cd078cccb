"""The catalog file: every product DOMAIN.md names, dated versions, idempotent loading."""

from datetime import date

import pytest
from sqlalchemy import func, select

from kindline.catalog import loader, service
from kindline.catalog.models import ProductVersion
from kindline.core.db import transaction
from kindline.core.errors import Conflict, Invalid
from tests.factories import load_demo_catalog

SMALL = """
effective_from: 2026-01-01
products:
  - code: PLAN-A
    name: 测试套餐
    kind: plan
    line_kind: mobile
    charge: monthly
    price_fen: 5000
    allowances: {voice: 6000, sms: 10, data: 1024}
"""


def _load(runtime, text):
    with transaction(runtime.sessions) as session:
        return loader.load(session, runtime.clock, text)


def test_demo_catalog_holds_every_product_domain_names(runtime):
    load_demo_catalog(runtime)
    with runtime.sessions() as session:
        today = runtime.clock.today()
        plan = dict(service.catalog_on(session, today, kind="plan"))
        by_code = {p.code: v for p, v in service.catalog_on(session, today)}
        store = service.catalog_on(session, today, prefix="STORE-")
        auto = [p for p, v in service.catalog_on(session, today, kind="auto_upgrade")]
    big = by_code["MOB-98"]
    assert (big.price_fen, big.voice_seconds, big.data_bytes) == (9800, 300 * 60, 20 * 1024 ** 3)
    assert big.secondary_cards >= 1 and big.shares_pool
    assert by_code["ELDER-CARD"].terms["eligibility"]["min_age"] == 65
    assert by_code["ELDER-CARD"].family_slots == 3
    assert by_code["ELDER-PACK"].terms["eligibility"]["requires_products"] == ["ELDER-CARD"]
    assert [p.sms_code for p in auto] == ["3952"]
    assert len(store) == 42
    kinds = [p.kind for p, _ in store]
    assert kinds.count("recharge_card") == 8 and kinds.count("tv_channel") == 24 and kinds.count("tv_premium") == 10
    assert {v.price_fen for p, v in store if p.kind == "tv_channel"} == {200}
    premium = sorted(v.price_fen for p, v in store if p.kind == "tv_premium")
    assert premium[0] == 800 and premium[-1] == 6000
    cards = sorted(v.price_fen for p, v in store if p.kind == "recharge_card")
    assert cards[0] == 5000 and cards[-1] == 200000
    assert plan  # plans exist on their own kind


def test_loading_twice_changes_nothing(runtime):
    first = _load(runtime, SMALL)
    second = _load(runtime, SMALL)
    assert (first.products_added, first.versions_added) == (1, 1)
    assert (second.products_added, second.versions_added, second.unchanged) == (0, 0, 1)


def test_price_change_is_a_new_version_and_old_sales_keep_theirs(runtime):
    _load(runtime, SMALL)
    later = SMALL + "    versions:\n      - effective_from: 2027-01-01\n        price_fen: 5500\n"
    report = _load(runtime, later)
    assert report.versions_added == 1
    with runtime.sessions() as session:
        product = service.get_product(session, "PLAN-A")
        assert service.version_on(product, date(2026, 12, 31)).price_fen == 5000
        assert service.version_on(product, date(2027, 1, 1)).price_fen == 5500
        # the later version inherits what it does not override
        assert service.version_on(product, date(2027, 1, 1)).voice_seconds == 6000


def test_rewriting_a_version_in_force_is_refused(runtime):
    _load(runtime, SMALL)
    with pytest.raises(Conflict) as error:
        _load(runtime, SMALL.replace("price_fen: 5000", "price_fen: 4000"))
    assert error.value.code == "catalog_version_in_force"
    with runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(ProductVersion)) == 1


@pytest.mark.parametrize("text", [
    "not: [valid",
    SMALL.replace("kind: plan", "kind: spaceship"),
    SMALL.replace("price_fen: 5000", "price_fen: -1"),
    SMALL + "    bundled: [NOPE]\n",
    SMALL + "    rounding: {voice: 0}\n",  # rating divides by the unit
    SMALL + "    overage: {data: {price_fen: 500, per: 0}}\n",
    SMALL + SMALL.split("products:\n")[1],  # duplicate code
])
def test_bad_catalogs_are_refused_whole(runtime, text):
    with pytest.raises(Invalid) as error:
        _load(runtime, text)
    assert error.value.code == "invalid_catalog"


def test_products_api_is_public_and_dated(client, runtime):
    load_demo_catalog(runtime)
    listed = client.get("/api/v1/products", params={"prefix": "STORE-"})
    assert listed.status_code == 200 and len(listed.json()) == 42
    now = client.get("/api/v1/products/BB-1000M").json()
    future = client.get("/api/v1/products/BB-1000M", params={"on": "2027-02-01"}).json()
    assert now["price_fen"] != future["price_fen"]
    assert client.get("/api/v1/products/NOPE").json()["code"] == "product_not_found"


def test_catalog_load_endpoint_needs_permission(client, staff):
    refused = client.post("/api/v1/products/load", content=SMALL.encode(), headers={
        **staff("agent"), "content-type": "application/yaml"})
    assert refused.status_code == 403
    loaded = client.post("/api/v1/products/load", content=SMALL.encode(), headers={
        **staff("admin"), "content-type": "application/yaml"})
    assert loaded.status_code == 200 and loaded.json()["products_added"] == 1
