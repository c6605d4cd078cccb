"""Valid test data built with the same libraries the product validates with."""

from __future__ import annotations

import itertools
from datetime import date

from stdnum.cn import ric

from kindline.catalog import loader
from kindline.core.db import transaction

_serial = itertools.count(1)
_mobile = itertools.count(13800000001)


def resident_id(birth: date, area: str = "110101", female: bool = False) -> str:
    """A real-format ID number; each call gives a new sequence number."""
    seq = next(_serial) % 500
    order = f"{seq // 5:02d}{2 * (seq % 5) + (0 if female else 1)}"
    body = f"{area}{birth:%Y%m%d}{order}"
    return body + ric.calc_check_digit(body + "0")


def mobile() -> str:
    return str(next(_mobile))


def customer_body(birth: date = date(1980, 5, 17), **overrides) -> dict:
    body = {
        "name": "张建国",
        "id_number": resident_id(birth),
        "phone": mobile(),
        "address": {"province": "江苏省", "city": "南京市", "district": "玄武区", "detail": "北京东路1号"},
    }
    body.update(overrides)
    return body


def load_demo_catalog(runtime) -> None:
    with transaction(runtime.sessions) as session:
        loader.load_file(session, runtime.clock, loader.DEMO_CATALOG)


def register(runtime, birth: date = date(1980, 5, 17), **overrides):
    """A customer registered through the service (faster than the API)."""
    from kindline.customers import service

    body = customer_body(birth, **overrides)
    address = service.Address(**body["address"])
    with transaction(runtime.sessions) as session:
        customer = service.register(session, runtime.clock, name=body["name"], id_number=body["id_number"],
                                    phone=body["phone"], address=address)
        return customer.id


def open_mobile(runtime, customer_id: int, *codes: str, number: str | None = None, primary_id: int | None = None):
    from kindline.customers import lines, service

    with transaction(runtime.sessions) as session:
        customer = service.get(session, customer_id)
        primary = lines.get(session, primary_id) if primary_id else None
        line = lines.open_line(session, runtime.clock, customer, kind="mobile", number=number or mobile(),
                               primary=primary)
        for code in codes:
            lines.subscribe(session, runtime.clock, line, code)
        return line.id


def subscriber_headers(runtime, customer_id: int) -> dict[str, str]:
    """The bearer header of a signed-in subscriber (as the SMS-code sign-in gives)."""
    from kindline.core.auth.principal import Principal

    return {"Authorization": "Bearer " + runtime.tokens.issue(Principal("subscriber", customer_id, "subscriber"))}


def mobile_number(runtime, customer_id: int, *codes: str) -> str:
    """Open a mobile line like open_mobile; returns its number (the msisdn)."""
    number = mobile()
    open_mobile(runtime, customer_id, *codes, number=number)
    return number
