"""REST endpoints after the work: the KPIs (contract: GET /api/v1/kpi/workorders),
return-visit call tasks and reviews, the 12315 intake and its replies, and the
report of requests that were passed around."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query
from pydantic import BaseModel, Field

from kindline.core.auth.permissions import WORKORDERS_READ, WORKORDERS_SUPERVISE
from kindline.core.deps import Caller, CurrentClock, DbSession
from kindline.workorders import intake, kpi, ownership, surveys

router = APIRouter(prefix="/api/v1", tags=["workorders follow-up"])


@router.get("/kpi/workorders")
def workorder_kpis(session: DbSession, clock: CurrentClock, caller: Caller,
                   from_: Annotated[date | None, Query(alias="from")] = None,
                   to: date | None = None, city: str | None = None, type: str | None = None) -> dict[str, Any]:
    caller.require(WORKORDERS_READ)
    start, end = kpi.period(clock, from_, to)
    return kpi.compute(session, clock.now(), start, end, city=city, type=type)


class CallIn(BaseModel):
    score: int | None = Field(None, description="1..5, or null when nobody was reached")
    comment: str = Field("", max_length=500)


class SurveyRead(BaseModel):
    id: int
    subject: str
    subject_id: int
    customer_id: int | None = Field(description="null: a 12315 complainant who holds no line with us")
    method: str
    status: str
    score: int | None
    review_status: str | None


@router.get("/surveys/call-tasks", response_model=list[SurveyRead])
def call_tasks(session: DbSession, caller: Caller, city: str | None = None):
    caller.require(WORKORDERS_READ)
    return [SurveyRead.model_validate(s, from_attributes=True) for s in surveys.call_tasks(session, city)]


@router.post("/surveys/{survey_id}/call", response_model=SurveyRead)
def record_call(survey_id: int, body: CallIn, session: DbSession, clock: CurrentClock, caller: Caller):
    survey = surveys.record_call(session, clock, caller, surveys.get(session, survey_id), score=body.score,
                                 comment=body.comment)
    return SurveyRead.model_validate(survey, from_attributes=True)


@router.post("/surveys/{survey_id}/review", response_model=SurveyRead)
def close_review(survey_id: int, session: DbSession, caller: Caller,
                 note: Annotated[str, Body(embed=True, max_length=500)]):
    survey = surveys.close_review(session, caller, surveys.get(session, survey_id), note)
    return SurveyRead.model_validate(survey, from_attributes=True)


@router.post("/intake/12315")
def import_12315(session: DbSession, clock: CurrentClock, caller: Caller,
                 body: Annotated[str, Body(media_type="application/x-ndjson", max_length=5_000_000)]):
    """Forwarded complaints, one JSON object per line; the same external id twice is one work order."""
    caller.require(WORKORDERS_SUPERVISE)
    report = intake.import_12315(session, clock, body.splitlines())
    return {"created": report.created, "repeated": report.repeated, "errors": report.errors}


@router.get("/intake/12315/replies")
def replies_12315(session: DbSession, caller: Caller, since: datetime | None = None) -> list[dict[str, Any]]:
    caller.require(WORKORDERS_READ)
    return list(intake.replies_due(session, since))


@router.get("/reports/passed-around")
def passed_around(session: DbSession, caller: Caller, city: str | None = None,
                  minimum: Annotated[int, Query(ge=2, le=50)] = ownership.PASSED_AROUND) -> list[dict[str, Any]]:
    caller.require(WORKORDERS_READ)
    return [{"work_order_id": order.id, "type": order.type, "status": order.status, "owner_id": order.owner_id,
             "city": order.city, "dispatches": count}
            for order, count in ownership.passed_around(session, city=city, minimum=minimum)]
