"""What the customers API takes and gives. Personal data leaves masked."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from kindline.core.clock import Clock
from kindline.core.masking import mask_id_number, mask_phone
from kindline.customers import service
from kindline.customers.models import Customer, Line


class AddressIn(BaseModel):
    province: str = Field(max_length=40)
    city: str = Field(max_length=40)
    district: str = Field(max_length=40)
    detail: str = Field(max_length=200)

    def to_domain(self) -> service.Address:
        return service.Address(self.province, self.city, self.district, self.detail)


class CustomerCreate(BaseModel):
    name: str = Field(max_length=50)
    id_number: str = Field(max_length=30)
    phone: str = Field(max_length=30)
    address: AddressIn
    registration_channel: str = "hall"


class PriorityGroupRead(BaseModel):
    group: str
    verified_by: int
    verified_at: datetime
    note: str


class CareArchiveIn(BaseModel):
    reason: str = Field(max_length=200)
    contact_name: str = Field(max_length=100)
    contact_phone: str = Field(max_length=30)
    visit_plan: str = Field(max_length=200)


class CareArchiveRead(BaseModel):
    reason: str
    contact_name: str
    contact_phone: str
    visit_plan: str
    created_at: datetime


class CustomerRead(BaseModel):
    id: int
    name: str
    id_number: str = Field(description="masked: 110101********0129")
    phone: str = Field(description="masked: 138****5678")
    gender: str
    age: int
    segments: list[str]
    vip_level: int
    address: AddressIn
    registration_channel: str
    registered_at: datetime
    priority_groups: list[PriorityGroupRead]
    care_archive: CareArchiveRead | None

    @classmethod
    def of(cls, customer: Customer, clock: Clock) -> CustomerRead:
        care = customer.care_archive
        return cls(
            id=customer.id, name=customer.name, id_number=mask_id_number(customer.id_number),
            phone=mask_phone(customer.phone), gender=customer.gender, age=service.age(customer, clock),
            segments=service.segments(customer, clock), vip_level=customer.vip_level,
            address=AddressIn(province=customer.province, city=customer.city, district=customer.district,
                              detail=customer.address),
            registration_channel=customer.registration_channel, registered_at=customer.registered_at,
            priority_groups=[PriorityGroupRead(group=g.group_name, verified_by=g.verified_by,
                                               verified_at=g.verified_at, note=g.note) for g in customer.priority_groups],
            care_archive=CareArchiveRead(reason=care.reason, contact_name=care.contact_name,
                                         contact_phone=mask_phone(care.contact_phone), visit_plan=care.visit_plan,
                                         created_at=care.created_at) if care else None,
        )


class RevealIn(BaseModel):
    reason: str = Field(max_length=500)


class RevealRead(BaseModel):
    id_number: str
    phone: str


class VipIn(BaseModel):
    level: int
    reason: str = Field(max_length=500)


class PriorityGroupIn(BaseModel):
    group: str
    note: str = Field("", max_length=200)


class HeldProductRead(BaseModel):
    code: str
    version_id: int
    started_at: datetime
    order_id: int | None


class FamilyNumberRead(BaseModel):
    number: str
    relation: str


class LineRead(BaseModel):
    id: int
    customer_id: int
    kind: str
    number: str
    status: str
    suspend_reason: str | None
    primary_line_id: int | None
    service_address: str | None
    stb_serial: str | None
    tv_authorization: str | None
    activated_at: datetime
    products: list[HeldProductRead]
    family_numbers: list[FamilyNumberRead]

    @classmethod
    def of(cls, line: Line) -> LineRead:
        return cls(
            id=line.id, customer_id=line.customer_id, kind=line.kind,
            number=mask_phone(line.number) if line.kind == "mobile" else line.number,
            status=line.status, suspend_reason=line.suspend_reason, primary_line_id=line.primary_line_id,
            service_address=line.service_address, stb_serial=line.stb_serial,
            tv_authorization=line.tv_authorization, activated_at=line.activated_at,
            products=[HeldProductRead(code=p.product_code, version_id=p.product_version_id, started_at=p.started_at,
                                      order_id=p.order_id) for p in line.products if p.status == "active"],
            family_numbers=[FamilyNumberRead(number=mask_phone(f.number), relation=f.relation)
                            for f in line.family_numbers],
        )


class FamilyNumberIn(BaseModel):
    number: str = Field(max_length=30)
    relation: str = Field("家人", max_length=20)


class ConsentIn(BaseModel):
    viewer: str = Field(max_length=30)
    days: int = 30


class ConsentRead(BaseModel):
    id: int
    viewer: str
    granted_at: datetime
    expires_at: datetime
    withdrawn_at: datetime | None


class CodeRequest(BaseModel):
    phone: str = Field(max_length=30)


class CodeVerify(BaseModel):
    phone: str = Field(max_length=30)
    code: str = Field(max_length=10)
