"""Appending to the hotline event log, and the names of its events.

The names follow Asterisk's queue_log where one exists, so people who know a
call centre read the log at once. The log is append-only and the only input of
the KPIs (kpi.py): whatever a figure needs is written into the event's data
when it happens, never looked up later in rows that may have changed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from kindline.core.clock import Clock
from kindline.hotline.models import HotlineEvent

# A contact's life
ARRIVE = "ARRIVE"  # caller, called, segment, vip_level, elder_rule, customer_id, decision
IVREND = "IVREND"  # outcome (queue, self_service, hangup), path, action
ENTERQUEUE = "ENTERQUEUE"  # priority, segment, rule, via (elder_rule, ivr, transfer)
NEXTTARGET = "NEXTTARGET"  # a routing timeout moved the contact to its next target: stage, queue, priority
OFFER = "OFFER"  # offered to an agent (ringing): priority, rule, stage, callback
RINGNOANSWER = "RINGNOANSWER"  # ringtime
CONNECT = "CONNECT"  # holdtime (seconds waited since entering the queue), ringtime, callback
COMPLETEAGENT = "COMPLETEAGENT"  # the agent ended it: holdtime, calltime
COMPLETECALLER = "COMPLETECALLER"  # the caller hung up: holdtime, calltime
WRAPUPEND = "WRAPUPEND"  # wrapuptime, resolved (true, false or null), auto
DISPOSITION = "DISPOSITION"  # resolved, work_order_ids, order_ids (recorded during or after wrap-up)
ABANDON = "ABANDON"  # waittime: the caller hung up while waiting or ringing
CALLBACK = "CALLBACK"  # waittime, number: the caller chose to be called back and keeps their place
# An agent's state
AGENTSTATE = "AGENTSTATE"  # state, from, reason

CONTACT_EVENTS = (ARRIVE, IVREND, ENTERQUEUE, NEXTTARGET, OFFER, RINGNOANSWER, CONNECT, COMPLETEAGENT,
                  COMPLETECALLER, WRAPUPEND, DISPOSITION, ABANDON, CALLBACK)


def append(session: Session, clock: Clock, event: str, *, contact_id: int | None = None,
           agent_id: int | None = None, queue: str | None = None, **data: Any) -> HotlineEvent:
    row = HotlineEvent(at=clock.now(), contact_id=contact_id, agent_id=agent_id, queue=queue, event=event,
                       data=data)
    session.add(row)
    return row
