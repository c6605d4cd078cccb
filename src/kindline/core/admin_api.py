"""Admin endpoints. The clock endpoint exists only when the clock is virtual."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel, model_validator

from kindline.core.auth.permissions import CLOCK_ADMIN
from kindline.core.clock import VirtualClock
from kindline.core.deps import Caller, get_runtime

router = APIRouter(prefix="/api/v1/admin", tags=["admin"])


class ClockMove(BaseModel):
    advance_seconds: float | None = None
    set: datetime | None = None

    @model_validator(mode="after")
    def _one_of(self):
        if (self.advance_seconds is None) == (self.set is None):
            raise ValueError("give exactly one of advance_seconds or set")
        return self


class ClockRead(BaseModel):
    now: datetime
    local: datetime
    virtual: bool


@router.post("/clock", response_model=ClockRead)
def move_clock(body: ClockMove, request: Request, caller: Caller):
    """Move the virtual clock: `{"advance_seconds": N}` or `{"set": "<ISO time>"}`."""
    caller.require(CLOCK_ADMIN)
    clock = get_runtime(request).clock
    assert isinstance(clock, VirtualClock)
    if body.set is not None:
        clock.set(body.set)
    else:
        clock.advance(body.advance_seconds)
    return ClockRead(now=clock.now(), local=clock.local_now(), virtual=True)

