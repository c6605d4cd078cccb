"""The running instance: settings, database, clock and token signer, built once
per process and shared by the API, the pages, the CLI and the workers."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from kindline.core.auth.service import Tokens
from kindline.core.clock import Clock, clock_from_setting
from kindline.core.db import make_engine, make_session_factory
from kindline.core.settings import Settings


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    clock: Clock
    tokens: Tokens


def build_runtime(settings: Settings, clock: Clock | None = None) -> Runtime:
    engine = make_engine(settings.database_url)
    return Runtime(
        settings=settings,
        engine=engine,
        sessions=make_session_factory(engine),
        clock=clock or clock_from_setting(settings.clock, settings.timezone),
        tokens=Tokens(settings.resolved_secret_key()),
    )
