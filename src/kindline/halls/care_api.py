"""REST endpoints of the care station and the elderly classes: a visit to
the care station, classes, sign-ups (a subscriber from the portal for
themselves; staff for whoever asks at the hall or on the hotline),
attendance with the follow-up group, and follow-up visits."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from kindline.core.auth.permissions import HALLS_COUNTER
from kindline.core.deps import Caller, CurrentClock, DbSession
from kindline.core.masking import mask_phone
from kindline.halls import care, service
from kindline.halls.models import CareVisit, ClassSignup, ElderClass, FollowUpVisit
from kindline.halls.types import CARE_GROUPS, CARE_SERVICES, CLASS_TOPICS, FOLLOWUP_METHODS, SIGNUP_CHANNELS

router = APIRouter()


class VisitIn(BaseModel):
    service: str = Field(description=", ".join(CARE_SERVICES))
    group: str = Field(description=", ".join(CARE_GROUPS))
    phone: str | None = Field(None, max_length=32)
    note: str = Field("", max_length=200)


class VisitRead(BaseModel):
    id: int
    hall_id: int
    at: datetime
    service: str
    service_name: str
    group: str
    group_name: str
    customer_id: int | None
    note: str

    @classmethod
    def of(cls, visit: CareVisit) -> VisitRead:
        return cls(id=visit.id, hall_id=visit.hall_id, at=visit.at, service=visit.service,
                   service_name=CARE_SERVICES[visit.service], group=visit.group, group_name=CARE_GROUPS[visit.group],
                   customer_id=visit.customer_id, note=visit.note)


class ClassIn(BaseModel):
    topic: str = Field(description=", ".join(CLASS_TOPICS))
    title: str = Field("", max_length=100)
    starts_at: datetime
    capacity: int
    minutes: int = 60
    hall_id: int | None = None
    community: str | None = Field(None, max_length=100)
    city: str | None = Field(None, max_length=40)
    teacher: str = Field("", max_length=100)


class ClassRead(BaseModel):
    id: int
    topic: str
    topic_name: str
    title: str
    hall_id: int | None
    community: str | None
    city: str
    starts_at: datetime
    minutes: int
    capacity: int
    signed_up: int
    seats_left: int
    teacher: str

    @classmethod
    def of(cls, lesson: ElderClass, signed_up: int) -> ClassRead:
        return cls(id=lesson.id, topic=lesson.topic, topic_name=CLASS_TOPICS[lesson.topic], title=lesson.title,
                   hall_id=lesson.hall_id, community=lesson.community, city=lesson.city, starts_at=lesson.starts_at,
                   minutes=lesson.minutes, capacity=lesson.capacity, signed_up=signed_up,
                   seats_left=max(0, lesson.capacity - signed_up), teacher=lesson.teacher)


class SignupIn(BaseModel):
    channel: str = Field(description=", ".join(SIGNUP_CHANNELS))
    phone: str | None = Field(None, max_length=32)
    name: str | None = Field(None, max_length=100)


class SignupRead(BaseModel):
    id: int
    class_id: int
    name: str
    phone: str
    customer_id: int | None
    channel: str
    signed_at: datetime
    attended: bool | None
    followup_group: bool

    @classmethod
    def of(cls, entry: ClassSignup) -> SignupRead:
        return cls(id=entry.id, class_id=entry.class_id, name=entry.name, phone=mask_phone(entry.phone),
                   customer_id=entry.customer_id, channel=entry.channel, signed_at=entry.signed_at,
                   attended=entry.attended, followup_group=entry.followup_group)


class AttendanceIn(BaseModel):
    attended: list[int] = Field(description="sign-up ids of those who came; the others did not")
    followup_group: list[int] = Field(default_factory=list, description="sign-up ids who joined the follow-up group")


class FollowUpIn(BaseModel):
    method: str = Field(description=", ".join(FOLLOWUP_METHODS))
    asked: str = Field(max_length=500)
    solved: bool
    note: str = Field("", max_length=500)


class FollowUpRead(BaseModel):
    id: int
    signup_id: int
    at: datetime
    method: str
    asked: str
    solved: bool
    note: str

    @classmethod
    def of(cls, visit: FollowUpVisit) -> FollowUpRead:
        return cls(id=visit.id, signup_id=visit.signup_id, at=visit.at, method=visit.method, asked=visit.asked,
                   solved=visit.solved, note=visit.note)


@router.get("/classes", response_model=list[ClassRead])
def list_classes(session: DbSession, clock: CurrentClock, city: str | None = None, upcoming: bool = True):
    """Classes (upcoming by default): public, as a poster in the hall."""
    found = care.classes(session, city=city, since=clock.now() if upcoming else None)
    return [ClassRead.of(c, care.taken(session, c.id)) for c in found]


@router.post("/classes", response_model=ClassRead, status_code=201)
def create_class(body: ClassIn, session: DbSession, clock: CurrentClock, caller: Caller):
    hall = service.get(session, body.hall_id) if body.hall_id is not None else None
    lesson = care.create_class(session, clock, caller, topic=body.topic, title=body.title, starts_at=body.starts_at,
                               capacity=body.capacity, hall=hall, community=body.community, city=body.city,
                               minutes=body.minutes, teacher=body.teacher)
    return ClassRead.of(lesson, 0)


@router.get("/classes/{class_id}/signups", response_model=list[SignupRead])
def list_signups(class_id: int, session: DbSession, caller: Caller):
    caller.require(HALLS_COUNTER)
    care.get_class(session, class_id)
    return [SignupRead.of(s) for s in care.signups(session, class_id)]


@router.post("/classes/{class_id}/signups", response_model=SignupRead, status_code=201,
             responses={200: {"description": "this phone had already signed up"}})
def sign_up(class_id: int, body: SignupIn, response: Response, session: DbSession, clock: CurrentClock,
            caller: Caller):
    entry, made = care.sign_up(session, clock, caller, class_id, channel=body.channel, phone=body.phone,
                               name=body.name)
    if not made:
        response.status_code = 200
    return SignupRead.of(entry)


@router.post("/classes/{class_id}/attendance", response_model=list[SignupRead])
def attendance(class_id: int, body: AttendanceIn, session: DbSession, clock: CurrentClock, caller: Caller):
    rows = care.take_attendance(session, clock, caller, class_id, body.attended, body.followup_group)
    return [SignupRead.of(s) for s in rows]


@router.post("/classes/{class_id}/signups/{signup_id}/follow-ups", response_model=FollowUpRead, status_code=201)
def follow_up(class_id: int, signup_id: int, body: FollowUpIn, session: DbSession, clock: CurrentClock,
              caller: Caller):
    return FollowUpRead.of(care.follow_up(session, clock, caller, class_id, signup_id, method=body.method,
                                          asked=body.asked, solved=body.solved, note=body.note))


@router.post("/{hall_id}/care-visits", response_model=VisitRead, status_code=201)
def record_visit(hall_id: int, body: VisitIn, session: DbSession, clock: CurrentClock, caller: Caller):
    return VisitRead.of(care.record_visit(session, clock, caller, service.get(session, hall_id), service=body.service,
                                          group=body.group, phone=body.phone, note=body.note))


@router.get("/{hall_id}/care-visits", response_model=list[VisitRead])
def list_visits(hall_id: int, session: DbSession, clock: CurrentClock, caller: Caller,
                day: Annotated[date | None, Query(alias="date")] = None):
    """The care station's visits of a day (default today)."""
    caller.require(HALLS_COUNTER)
    start = datetime.combine(day or clock.today(), time(0), clock.tz)
    return [VisitRead.of(v) for v in care.visits(session, service.get(session, hall_id).id, start,
                                                 start + timedelta(days=1))]
