"""`POST /api/v1/workforce/staffing` (contract): agents needed for one
interval by Erlang C, or Erlang A when the callers' patience is given.

Pure arithmetic on the request: any signed-in staff member may ask."""

from __future__ import annotations

import math

from fastapi import APIRouter
from pydantic import BaseModel, Field

from kindline.core.deps import Caller
from kindline.core.errors import Forbidden
from kindline.workforce.patience import ErlangAResult
from kindline.workforce.staffing import agents_needed

router = APIRouter(prefix="/api/v1/workforce", tags=["workforce"])


class StaffingIn(BaseModel):
    calls: float = Field(description="calls offered in the interval")
    interval_seconds: float = 1800
    aht_seconds: float = Field(description="average handling time, talk plus wrap-up")
    target_level: float = Field(0.8, description="share answered within target_seconds, 0..1")
    target_seconds: float = 20
    max_occupancy: float | None = Field(None, description="0..1; none: no cap")
    shrinkage: float = Field(0.0, description="share of rostered time off the phones, 0..1")
    patience_seconds: float | None = Field(None, description="mean caller patience: Erlang A when given")


class StaffingOut(BaseModel):
    model: str
    agents: int
    agents_with_shrinkage: int
    service_level: float
    asa_seconds: float | None = Field(description="null when the queue cannot keep up")
    occupancy: float
    p_wait: float
    p_abandon: float | None = None


@router.post("/staffing", response_model=StaffingOut)
def staffing(body: StaffingIn, caller: Caller) -> StaffingOut:
    if not caller.is_staff:
        raise Forbidden("not_allowed", "您没有权限进行此操作。", "staffing is for staff")
    found = agents_needed(body.calls, body.interval_seconds, body.aht_seconds, body.target_level,
                          body.target_seconds, body.max_occupancy, body.shrinkage, body.patience_seconds)
    result = found.forecast
    erlang_a = isinstance(result, ErlangAResult)
    return StaffingOut(model="erlang_a" if erlang_a else "erlang_c", agents=found.agents,
                       agents_with_shrinkage=found.scheduled, service_level=result.service_level,
                       asa_seconds=result.asa_seconds if math.isfinite(result.asa_seconds) else None,
                       occupancy=result.occupancy, p_wait=result.p_wait,
                       p_abandon=result.p_abandon if erlang_a else None)
