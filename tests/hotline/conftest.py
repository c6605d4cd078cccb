"""Hotline test helpers: the timers' handlers, agents on the floor, callers of
a given age, and a step of virtual time that fires what fell due."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

import pytest

from kindline.core import timers
from kindline.core.auth.service import create_staff, staff_principal
from kindline.core.db import transaction
from kindline.hotline import agents, deadlines, service
from tests.factories import mobile, register

SEVENTY = date(1956, 5, 1)  # 70 on 2026-11-22, the tests' today
FORTY = date(1986, 5, 1)


@pytest.fixture(autouse=True)
def hotline_timers():
    deadlines.install()


@dataclass
class Seat:
    agent_id: int
    staff_id: int
    headers: dict[str, str]


@pytest.fixture
def seat(runtime):
    """An agent with skills; signed in (available) unless told otherwise."""

    def make(skills: dict[str, int] | None = None, *, expert: bool = False, wrapup: int = 30,
             available: bool = True, role: str = "agent") -> Seat:
        with transaction(runtime.sessions) as session:
            user = create_staff(session, runtime.clock, f"{role}-{uuid.uuid4().hex[:6]}", "secret-pass", [role])
            agent = agents.register(session, runtime.clock, user.id, skills=skills or {"general": 3}, expert=expert,
                                    wrapup_seconds=wrapup)
            if available:
                service.set_agent_state(session, runtime.clock, agent, "available")
            token = runtime.tokens.issue(staff_principal(user))
            return Seat(agent.id, user.id, {"Authorization": f"Bearer {token}"})

    return make


@dataclass
class Person:
    customer_id: int
    phone: str


@pytest.fixture
def caller(runtime):
    """A real-name subscriber born on `birth`, calling from their phone."""

    def make(birth: date = FORTY) -> Person:
        phone = mobile()
        return Person(register(runtime, birth, phone=phone), phone)

    return make


@pytest.fixture
def tick(runtime):
    """Move the virtual clock on and fire the timers that fell due."""

    def step(seconds: float) -> None:
        runtime.clock.advance(seconds)
        timers.run_until_idle(runtime.sessions, runtime.clock)

    return step


def contact_of(runtime, contact_id: int):
    with runtime.sessions() as session:
        return service.get(session, contact_id)


def agent_of(runtime, agent_id: int):
    with runtime.sessions() as session:
        return agents.get(session, agent_id)
