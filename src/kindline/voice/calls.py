"""An IVR call: the caller's keys in, what they hear out, the hotline told.

The contact belongs to the hotline (its flow, its path, its queue); this
channel only walks the flow and tells the hotline service what happened, so
the path and the hand-over to a queue are written by the hotline's own code.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from kindline.core.clock import Clock
from kindline.core.errors import Conflict
from kindline.hotline import service as hotline
from kindline.voice import answers, flow, ivr


@dataclass(frozen=True)
class Heard:
    contact_id: int
    prompts: list[str]
    actions: list[str]
    outcome: str  # menu (still in the IVR) or queue (handed to a human queue)
    node: str
    queue: str | None
    status: str  # the contact's status afterwards


def press(session: Session, clock: Clock, contact_id: int, keys: list[str]) -> Heard:
    contact = hotline.get(session, contact_id, lock=True)
    if contact.status != "ivr" or not contact.ivr_flow:
        raise Conflict("not_in_ivr", "该来电不在语音导航中。", f"contact {contact.id} is {contact.status}",
                       {"status": contact.status})
    the_flow = flow.load(contact.ivr_flow)
    call = answers.Call(session, clock, contact.caller, contact.id)
    done = ivr.walk(the_flow, list(contact.ivr_path), keys, lambda action: answers.run(call, action))
    if done.path:
        hotline.record_ivr(session, clock, contact, done.path)
    if done.queue:
        hotline.leave_ivr(session, clock, contact, path=contact.ivr_path, outcome="queue", queue=done.queue)
    return Heard(contact.id, done.prompts, done.actions, done.outcome, done.node, done.queue, contact.status)
