"""Hotline agents: who they are (skills with a proficiency of 1 to 5, the
service-expert tier, wrap-up time) and the one way their state changes, which
always leaves an AGENTSTATE event in the log (occupancy is computed from it).

States: offline, available, ringing (a contact is offered), on_contact,
wrapup, break (with a reason: rest, meal, training, no_answer).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from kindline.core.auth.models import StaffUser
from kindline.core.clock import Clock
from kindline.core.db import fetch
from kindline.core.errors import Conflict, Invalid, not_found
from kindline.hotline import eventlog
from kindline.hotline.models import Agent

STATES = {"offline": "离线", "available": "空闲", "ringing": "振铃", "on_contact": "通话中", "wrapup": "话后处理",
          "break": "小休"}
BREAK_REASONS = {"rest": "休息", "meal": "用餐", "training": "培训", "meeting": "班前会", "no_answer": "未接暂停"}
# States an agent chooses; the others follow the contact they hold.
CHOSEN = ("available", "break", "offline")
LOGGED_IN = ("available", "ringing", "on_contact", "wrapup", "break")
MAX_WRAPUP_SECONDS = 1800


def get(session: Session, agent_id: int, *, lock: bool = False) -> Agent:
    return fetch(session, Agent, agent_id, "agent", "坐席", with_for_update=lock, populate_existing=lock)


def by_staff(session: Session, staff_id: int, *, lock: bool = False) -> Agent:
    stmt = select(Agent).where(Agent.staff_id == staff_id)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    agent = session.scalar(stmt)
    if agent is None:
        raise not_found("agent", "坐席", staff_id)
    return agent


def all_agents(session: Session) -> list[Agent]:
    return list(session.scalars(select(Agent).order_by(Agent.id)))


def check_skills(skills: dict[str, int]) -> dict[str, int]:
    if not skills:
        raise Invalid("invalid_skills", "坐席至少要有一项技能。", "an agent needs at least one skill")
    clean: dict[str, int] = {}
    for skill, level in skills.items():
        name = str(skill).strip()
        if not name or len(name) > 40 or not isinstance(level, int) or not 1 <= level <= 5:
            raise Invalid("invalid_skills", "技能熟练度须为1到5级。", f"skill {skill!r}: proficiency must be 1..5")
        clean[name] = level
    return clean


def register(session: Session, clock: Clock, staff_id: int, *, skills: dict[str, int], expert: bool = False,
             wrapup_seconds: int = 30) -> Agent:
    """Make a staff member an agent, or change an agent's skills, tier and wrap-up time."""
    if session.get(StaffUser, staff_id) is None:
        raise not_found("staff", "员工", staff_id)
    if not 0 <= wrapup_seconds <= MAX_WRAPUP_SECONDS:
        raise Invalid("invalid_wrapup", "话后处理时长须在0到1800秒之间。", "wrap-up must be 0..1800 seconds")
    skills = check_skills(skills)
    agent = session.scalar(select(Agent).where(Agent.staff_id == staff_id))
    if agent is None:
        agent = Agent(staff_id=staff_id, state="offline", state_reason="", state_since=clock.now(), missed_offers=0)
        session.add(agent)
    agent.skills, agent.expert, agent.wrapup_seconds = skills, expert, wrapup_seconds
    session.flush()
    return agent


def change(session: Session, clock: Clock, agent: Agent, state: str, *, reason: str = "",
           contact_id: int | None = None) -> Agent:
    """Move an agent to a state and log it (no checks: callers decide what is allowed)."""
    if state not in STATES:
        raise Invalid("invalid_state", "坐席状态不正确。", f"unknown agent state {state!r}", {"known": list(STATES)})
    old = agent.state
    agent.state, agent.state_reason, agent.state_since = state, reason, clock.now()
    agent.contact_id = contact_id
    eventlog.append(session, clock, eventlog.AGENTSTATE, agent_id=agent.id, state=state, **{"from": old},
                    reason=reason)
    return agent


def choose(session: Session, clock: Clock, agent: Agent, state: str, reason: str = "") -> Agent:
    """A state the agent (or a supervisor) picks: available, break or offline.
    Not while a contact rings or is on the line; wrap-up is ended by service."""
    if state not in CHOSEN:
        raise Invalid("invalid_state", "只能切换为空闲、小休或离线。", f"agents choose {CHOSEN}, not {state!r}")
    if agent.state in ("ringing", "on_contact"):
        raise Conflict("agent_busy", "请先处理当前来电。", f"agent {agent.id} is {agent.state}",
                       {"state": agent.state, "contact_id": agent.contact_id})
    if state == "break":
        reason = reason or "rest"
        if reason not in BREAK_REASONS:
            raise Invalid("invalid_reason", "小休原因不正确。", f"unknown break reason {reason!r}",
                          {"known": list(BREAK_REASONS)})
    else:
        reason = ""
    if state == agent.state and reason == agent.state_reason:
        return agent  # a repeated click changes nothing and logs nothing
    if state == "available" or agent.state == "offline":
        agent.missed_offers = 0  # signing in, or back from a no-answer pause, starts afresh
    return change(session, clock, agent, state, reason=reason)
