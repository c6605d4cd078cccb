"""REST endpoints of the customers domain: thin; the rules live in the services."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status

from kindline.core.auth.api import TokenRead, token_for
from kindline.core.auth.permissions import CARE_WRITE, CUSTOMERS_READ, CUSTOMERS_WRITE, PII_VIEW, SEGMENTS_WRITE
from kindline.core.auth.principal import Principal
from kindline.core.deps import Caller, CurrentClock, DbSession, get_runtime
from kindline.core.errors import Forbidden, Unauthenticated
from kindline.core.masking import mask_phone
from kindline.core.pagination import Page, PageParams, page_params, paginate
from kindline.customers import lines, service, signin
from kindline.customers.schemas import (
    CareArchiveIn,
    CodeRequest,
    CodeVerify,
    ConsentIn,
    ConsentRead,
    CustomerCreate,
    CustomerRead,
    FamilyNumberIn,
    LineRead,
    PriorityGroupIn,
    RevealIn,
    RevealRead,
    VipIn,
)

router = APIRouter(prefix="/api/v1", tags=["customers"])


@router.get("/customers", response_model=Page[CustomerRead])
def list_customers(session: DbSession, clock: CurrentClock, caller: Caller,
                   params: Annotated[PageParams, Depends(page_params)],
                   phone: str | None = None, name: str | None = None,
                   id_number: Annotated[str | None, Query(description="full number or its last digits")] = None):
    caller.require(CUSTOMERS_READ)
    rows, total = paginate(session, service.find(session, phone=phone, name=name, id_number=id_number), params)
    return Page(items=[CustomerRead.of(c, clock) for c in rows], total=total, limit=params.limit, offset=params.offset)


@router.post("/customers", response_model=CustomerRead, status_code=status.HTTP_201_CREATED)
def create_customer(body: CustomerCreate, session: DbSession, clock: CurrentClock, caller: Caller):
    caller.require(CUSTOMERS_WRITE)
    customer = service.register(session, clock, name=body.name, id_number=body.id_number, phone=body.phone,
                                address=body.address.to_domain(), channel=body.registration_channel)
    return CustomerRead.of(customer, clock)


@router.get("/me", response_model=CustomerRead)
def me(session: DbSession, clock: CurrentClock, caller: Caller):
    if caller.is_staff:
        raise Forbidden("subscribers_only", "此接口仅供用户本人使用。", "/me is for signed-in subscribers")
    return CustomerRead.of(service.get(session, caller.id), clock)


@router.get("/customers/{customer_id}", response_model=CustomerRead)
def get_customer(customer_id: int, session: DbSession, clock: CurrentClock, caller: Caller):
    caller.require_customer(customer_id, CUSTOMERS_READ)
    return CustomerRead.of(service.get(session, customer_id), clock)


@router.post("/customers/{customer_id}/reveal", response_model=RevealRead)
def reveal(customer_id: int, body: RevealIn, session: DbSession, clock: CurrentClock, caller: Caller):
    """Unmasked ID number and phone: needs pii:view and a reason; audited."""
    caller.require(PII_VIEW)
    return service.reveal(session, clock, service.get(session, customer_id), actor=caller, reason=body.reason)


@router.put("/customers/{customer_id}/vip", response_model=CustomerRead)
def set_vip(customer_id: int, body: VipIn, session: DbSession, clock: CurrentClock, caller: Caller):
    caller.require(SEGMENTS_WRITE)
    customer = service.set_vip_level(session, clock, service.get(session, customer_id), body.level,
                                     actor=caller, reason=body.reason)
    return CustomerRead.of(customer, clock)


@router.post("/customers/{customer_id}/priority-groups", response_model=CustomerRead, status_code=201)
def add_priority_group(customer_id: int, body: PriorityGroupIn, session: DbSession, clock: CurrentClock,
                       caller: Caller):
    caller.require(SEGMENTS_WRITE)
    customer = service.get(session, customer_id)
    service.verify_priority_group(session, clock, customer, body.group, actor=caller, note=body.note)
    return CustomerRead.of(customer, clock)


@router.put("/customers/{customer_id}/care-archive", response_model=CustomerRead)
def put_care_archive(customer_id: int, body: CareArchiveIn, session: DbSession, clock: CurrentClock,
                     caller: Caller):
    caller.require(CARE_WRITE)
    customer = service.get(session, customer_id)
    service.set_care_archive(session, clock, customer, reason=body.reason, contact_name=body.contact_name,
                             contact_phone=body.contact_phone, visit_plan=body.visit_plan, actor=caller)
    return CustomerRead.of(customer, clock)


@router.delete("/customers/{customer_id}/care-archive", response_model=CustomerRead)
def delete_care_archive(customer_id: int, session: DbSession, clock: CurrentClock, caller: Caller):
    caller.require(CARE_WRITE)
    customer = service.get(session, customer_id)
    service.close_care_archive(session, customer)
    return CustomerRead.of(customer, clock)


@router.get("/customers/{customer_id}/lines", response_model=list[LineRead])
def customer_lines(customer_id: int, session: DbSession, caller: Caller):
    caller.require_customer(customer_id, CUSTOMERS_READ)
    return [LineRead.of(line) for line in service.get(session, customer_id).lines]


def _line_for(session, caller, line_id: int, permission: str):
    line = lines.get(session, line_id)
    caller.require_customer(line.customer_id, permission)
    return line


@router.get("/lines/{line_id}", response_model=LineRead)
def get_line(line_id: int, session: DbSession, caller: Caller):
    return LineRead.of(_line_for(session, caller, line_id, CUSTOMERS_READ))


@router.post("/lines/{line_id}/family-numbers", response_model=LineRead, status_code=201)
def add_family_number(line_id: int, body: FamilyNumberIn, session: DbSession, clock: CurrentClock, caller: Caller):
    line = _line_for(session, caller, line_id, CUSTOMERS_WRITE)
    lines.add_family_number(session, clock, line, body.number, body.relation)
    return LineRead.of(line)


@router.delete("/lines/{line_id}/family-numbers/{number}", response_model=LineRead)
def remove_family_number(line_id: int, number: str, session: DbSession, caller: Caller):
    line = _line_for(session, caller, line_id, CUSTOMERS_WRITE)
    lines.remove_family_number(session, line, number)
    return LineRead.of(line)


def _consent(consent) -> ConsentRead:
    return ConsentRead(id=consent.id, viewer=mask_phone(consent.viewer_number), granted_at=consent.granted_at,
                       expires_at=consent.expires_at, withdrawn_at=consent.withdrawn_at)


@router.get("/lines/{line_id}/location-consents", response_model=list[ConsentRead])
def list_consents(line_id: int, session: DbSession, clock: CurrentClock, caller: Caller):
    line = _line_for(session, caller, line_id, CUSTOMERS_READ)
    return [_consent(c) for c in lines.active_consents(session, clock, line)]


@router.post("/lines/{line_id}/location-consents", response_model=ConsentRead, status_code=201)
def grant_consent(line_id: int, body: ConsentIn, session: DbSession, clock: CurrentClock, caller: Caller):
    line = _line_for(session, caller, line_id, CUSTOMERS_WRITE)
    return _consent(lines.grant_location_consent(session, clock, line, body.viewer, body.days))


@router.post("/lines/{line_id}/location-consents/{consent_id}/withdraw", response_model=ConsentRead)
def withdraw_consent(line_id: int, consent_id: int, session: DbSession, clock: CurrentClock, caller: Caller):
    line = _line_for(session, caller, line_id, CUSTOMERS_WRITE)
    return _consent(lines.withdraw_location_consent(session, clock, line, consent_id))


signin_router = APIRouter(prefix="/api/v1/auth/sms-code", tags=["auth"])


@signin_router.post("", status_code=202)
def request_sms_code(body: CodeRequest, request: Request, session: DbSession, clock: CurrentClock):
    """Send a 6-digit sign-in code by SMS (valid 5 minutes, 5 tries, 5 codes an hour)."""
    signin.request_code(session, clock, get_runtime(request).settings.resolved_secret_key(), body.phone)
    return {"sent": True}


@signin_router.post("/verify", response_model=TokenRead)
def verify_sms_code(body: CodeVerify, request: Request, session: DbSession, clock: CurrentClock):
    runtime = get_runtime(request)
    try:
        customer = signin.verify_code(session, clock, runtime.settings.resolved_secret_key(), body.phone, body.code)
    except Unauthenticated:
        session.commit()  # a wrong try counts even though the answer is an error
        raise
    return token_for(request, Principal("subscriber", customer.id, customer.name))


@router.post("/lines/{line_id}/suspend", response_model=LineRead)
def suspend_line(line_id: int, session: DbSession, caller: Caller):
    """停机保号 on the holder's request (arrears suspension belongs to billing)."""
    line = _line_for(session, caller, line_id, CUSTOMERS_WRITE)
    lines.suspend(line, "request")
    return LineRead.of(line)


@router.post("/lines/{line_id}/resume", response_model=LineRead)
def resume_line(line_id: int, session: DbSession, caller: Caller):
    line = _line_for(session, caller, line_id, CUSTOMERS_WRITE)
    if line.suspend_reason == "arrears" and not caller.is_staff:
        raise Forbidden("arrears_suspension", "欠费停机请先缴费，或到营业厅办理。", "arrears suspension is lifted by payment")
    lines.resume(line)
    return LineRead.of(line)
