"""FastAPI dependencies shared by every router: the runtime, a unit-of-work
session, the clock and the asking principal."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from kindline.core.auth.principal import Principal
from kindline.core.auth.service import load_principal
from kindline.core.clock import Clock
from kindline.core.db import transaction
from kindline.core.errors import Unauthenticated
from kindline.core.runtime import Runtime


def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime


def _session(request: Request) -> Iterator[Session]:
    """One transaction per request: committed when the endpoint returns, rolled
    back when it raises (scope="function" commits before the answer is sent)."""
    with transaction(get_runtime(request).sessions) as session:
        yield session


def _clock(request: Request) -> Clock:
    return get_runtime(request).clock


DbSession = Annotated[Session, Depends(_session, scope="function")]
CurrentClock = Annotated[Clock, Depends(_clock)]


def _principal(request: Request, session: DbSession) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated("not_signed_in", "请先登录。", "bearer token required")
    kind, ident = get_runtime(request).tokens.read(token.strip())
    return load_principal(session, kind, ident, request.app.state.customer_name)


Caller = Annotated[Principal, Depends(_principal)]
