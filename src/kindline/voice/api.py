"""The IVR over HTTP, for a switch that leaves the menu logic to kindline:
after `POST /api/v1/hotline/route` answers `ivr`, the switch plays the prompts
this endpoint answers and sends the keys the caller presses (one at a time or
several at once; no keys on a fresh call answers the welcome menu)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from kindline.core.auth.permissions import HOTLINE_ROUTE
from kindline.core.deps import Caller, CurrentClock, DbSession
from kindline.voice import calls

router = APIRouter(prefix="/api/v1/voice", tags=["voice"])


class KeysIn(BaseModel):
    keys: list[str] = Field(default_factory=list, max_length=20,
                            description='DTMF keys pressed: "0"-"9", "*", "#"; "" for no input')


class HeardOut(BaseModel):
    contact_id: int
    prompts: list[str] = Field(description="what to play, in order")
    actions: list[str] = Field(description="self-service actions run by these keys")
    outcome: str = Field(description="menu (wait for the next key) or queue (the call is in a human queue)")
    node: str
    queue: str | None
    status: str


@router.post("/contacts/{contact_id}/keys", response_model=HeardOut)
def press(contact_id: int, body: KeysIn, session: DbSession, clock: CurrentClock, caller: Caller) -> HeardOut:
    caller.require(HOTLINE_ROUTE)
    keys = [k[:1] for k in body.keys]
    return HeardOut(**vars(calls.press(session, clock, contact_id, keys)))
