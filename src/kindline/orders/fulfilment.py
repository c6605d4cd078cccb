"""What each business type checks before it is accepted, and what completing it
changes. Changes go through the customers services, never into their tables."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from kindline.core.clock import Clock
from kindline.core.errors import Conflict, Invalid
from kindline.customers import lines
from kindline.customers import service as customers
from kindline.customers.idnumber import parse_resident_id
from kindline.customers.models import Customer, Line
from kindline.customers.phone import normalize_mobile
from kindline.customers.service import Address
from kindline.orders.schemas import OrderCreate


@dataclass
class Job:
    session: Session
    clock: Clock
    request: OrderCreate
    customer: Customer
    line: Line | None
    order_id: int | None = None


def _missing(field: str, zh: str) -> Invalid:
    return Invalid("missing_field", f"请填写{zh}。", f"field {field} is required for this order type", {"field": field})


def _products(job: Job) -> list[str]:
    if not job.request.product_codes:
        raise _missing("product_codes", "要办理的产品")
    return job.request.product_codes


def _tv_line(job: Job) -> Line:
    assert job.line is not None
    if job.line.kind != "tv":
        raise Invalid("not_a_tv_line", "该业务只能在电视业务上办理。", "this order type needs a tv line")
    return job.line


def _require_address(job: Job) -> str:
    if not (job.request.service_address or "").strip():
        raise _missing("service_address", "装机地址")
    return job.request.service_address.strip()


# --- account opening and installation -------------------------------------------------

def _opening_check(job: Job, kinds: set[str]) -> str:
    kind = job.request.line_kind or ("mobile" if kinds == {"mobile"} else None)
    if kind not in kinds:
        raise Invalid("invalid_line_kind", "业务类型不正确。", f"line_kind must be one of {sorted(kinds)}")
    if not job.request.number:
        raise _missing("number", "号码或账号")
    held: list[str] = []
    for code in _products(job):
        lines.check_offer(job.session, job.clock, job.customer, kind, held, code,
                          secondary=job.request.primary_line_id is not None)
        held.append(code)
    return kind


def check_opening(job: Job) -> None:
    _opening_check(job, {"mobile"})
    if job.request.primary_line_id:
        primary = lines.get(job.session, job.request.primary_line_id)
        if primary.customer_id != job.customer.id:
            raise Invalid("line_not_owned", "主卡不属于该客户。", "primary line belongs to another customer")
        lines.check_secondary(job.session, job.clock, primary, "mobile")


def apply_opening(job: Job) -> dict[str, Any]:
    primary = lines.get(job.session, job.request.primary_line_id) if job.request.primary_line_id else None
    line = lines.open_line(job.session, job.clock, job.customer, kind="mobile", number=job.request.number,
                           primary=primary)
    for code in job.request.product_codes:
        lines.subscribe(job.session, job.clock, line, code, job.order_id)
    return {"line_id": line.id}


def check_installation(job: Job) -> None:
    _opening_check(job, {"broadband", "fixed", "tv"})
    _require_address(job)


def apply_installation(job: Job) -> dict[str, Any]:
    line = lines.open_line(job.session, job.clock, job.customer, kind=job.request.line_kind,
                           number=job.request.number, service_address=_require_address(job),
                           stb_serial=job.request.stb_serial)
    for code in job.request.product_codes:
        lines.subscribe(job.session, job.clock, line, code, job.order_id)
    return {"line_id": line.id}


# --- products on an existing line -------------------------------------------------------

def check_change(job: Job) -> None:
    codes = _products(job)
    if len(codes) != 1:
        raise Invalid("one_plan", "套餐变更一次只能选一个新套餐。", "service_change takes exactly one plan")
    lines.check_change(job.session, job.clock, job.line, codes[0])


def apply_change(job: Job) -> dict[str, Any]:
    lines.change_plan(job.session, job.clock, job.line, job.request.product_codes[0], job.order_id)
    return {}


def check_product_order(job: Job) -> None:
    held = lines.held_codes(job.line)
    for code in _products(job):
        lines.check_offer(job.session, job.clock, job.customer, job.line.kind, held, code,
                          secondary=job.line.primary_line_id is not None)
        held = [*held, code]


def apply_product_order(job: Job) -> dict[str, Any]:
    for code in job.request.product_codes:
        lines.subscribe(job.session, job.clock, job.line, code, job.order_id)
    return {}


def check_unsubscribe(job: Job) -> None:
    held = lines.held_codes(job.line)
    for code in _products(job):
        if code not in held:
            raise Conflict("not_subscribed", "该号码未订购此产品。", f"{code} is not active on the line")


def apply_unsubscribe(job: Job) -> dict[str, Any]:
    for code in job.request.product_codes:
        lines.unsubscribe(job.session, job.clock, job.line, code)
    return {}


# --- the subscriber and the line ----------------------------------------------------------

def check_info_change(job: Job) -> None:
    if job.request.phone is None and job.request.address is None:
        raise _missing("phone", "新的联系电话或地址")
    if job.request.phone is not None:
        normalize_mobile(job.request.phone)


def apply_info_change(job: Job) -> dict[str, Any]:
    address = job.request.address
    customers.update_contact(job.session, job.customer, phone=job.request.phone,
                             address=Address(address.province, address.city, address.district, address.detail)
                             if address else None)
    return {}


def check_equipment(job: Job) -> None:
    _tv_line(job)
    if not (job.request.stb_serial or "").strip():
        raise _missing("stb_serial", "新机顶盒序列号")


def apply_equipment(job: Job) -> dict[str, Any]:
    old = job.line.stb_serial
    lines.set_tv_authorization(_tv_line(job), "authorized", job.request.stb_serial)
    return {"old_stb_serial": old}


def check_relocation(job: Job) -> None:
    if job.line.kind not in ("broadband", "fixed", "tv"):
        raise Invalid("not_relocatable", "手机号码无需移机。", "only broadband, fixed and tv lines relocate")
    _require_address(job)


def apply_relocation(job: Job) -> dict[str, Any]:
    old = job.line.service_address
    job.line.service_address = _require_address(job)
    return {"old_address": old}


def _registered_owner(job: Job) -> Customer | None:
    """The new owner when already registered (their name must match the ID)."""
    request = job.request
    if request.new_owner_customer_id:
        return customers.get(job.session, request.new_owner_customer_id)
    if request.new_owner is None:
        raise _missing("new_owner", "新机主的实名信息")
    resident = parse_resident_id(request.new_owner.id_number, job.clock.today())
    found = job.session.scalars(customers.find(job.session, id_number=resident.number)).first()
    if found is not None and found.name != request.new_owner.name.strip():
        raise Conflict("real_name_mismatch", "新机主姓名与身份证登记信息不符。", "name does not match the registered ID")
    return found


def check_transfer(job: Job) -> None:
    owner = _registered_owner(job)
    if owner is not None:
        facts = customers.holder_facts(owner, job.clock)
    else:  # registered on completion; the real-name check (ID, phone) runs now
        normalize_mobile(job.request.new_owner.phone)
        facts = customers.prospective_facts(parse_resident_id(job.request.new_owner.id_number, job.clock.today()),
                                            job.clock)
    lines.check_transfer(job.session, job.clock, job.line, facts)


def apply_transfer(job: Job) -> dict[str, Any]:
    owner = _registered_owner(job)
    if owner is None:
        new = job.request.new_owner
        owner = customers.register(job.session, job.clock, name=new.name, id_number=new.id_number, phone=new.phone,
                                   address=new.address.to_domain(), channel=job.request.channel)
    previous = job.line.customer_id
    lines.transfer(job.session, job.clock, job.line, owner)
    return {"previous_owner_id": previous, "new_owner_id": owner.id}


def apply_auth_refresh(job: Job) -> dict[str, Any]:
    lines.set_tv_authorization(_tv_line(job), "authorized")
    return {}


def apply_auth_cancel(job: Job) -> dict[str, Any]:
    lines.set_tv_authorization(_tv_line(job), "cancelled")
    return {}


def apply_closing(job: Job) -> dict[str, Any]:
    lines.cancel(job.session, job.clock, job.line)
    return {}


def _nothing(job: Job) -> None:
    return None


Step = Callable[[Job], Any]
STEPS: dict[str, tuple[Step, Step]] = {
    "account_opening": (check_opening, apply_opening),
    "new_installation": (check_installation, apply_installation),
    "service_change": (check_change, apply_change),
    "customer_info_change": (check_info_change, apply_info_change),
    "equipment_replacement": (check_equipment, apply_equipment),
    "product_order": (check_product_order, apply_product_order),
    "product_unsubscribe": (check_unsubscribe, apply_unsubscribe),
    "relocation": (check_relocation, apply_relocation),
    "ownership_transfer": (check_transfer, apply_transfer),
    "stb_auth_refresh": (lambda job: _tv_line(job), apply_auth_refresh),
    "stb_auth_cancel": (lambda job: _tv_line(job), apply_auth_cancel),
    "account_closing": (_nothing, apply_closing),
}
