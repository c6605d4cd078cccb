"""Who is signed in to the pages: ids kept in the signed session cookie, the
principal rebuilt from the database on every request so that a disabled staff
account or a removed subscriber is stopped at once.

Staff and subscriber sign-ins are separate keys: one browser at a hall counter
may hold both, and signing out of one site leaves the other alone.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from kindline.core.auth.principal import Principal
from kindline.core.auth.service import load_principal
from kindline.core.deps import DbSession
from kindline.core.errors import Unauthenticated
from kindline.web import csrf

STAFF_KEY = "staff_id"
SUBSCRIBER_KEY = "subscriber_id"
_KINDS = {STAFF_KEY: "staff", SUBSCRIBER_KEY: "subscriber"}


def _load(request: Request, session, key: str) -> Principal:
    ident = request.session.get(key)
    if not isinstance(ident, int):
        raise Unauthenticated("not_signed_in", "请先登录。", f"no {key} in the page session")
    try:
        principal = load_principal(session, _KINDS[key], ident, request.app.state.customer_name)
    except Unauthenticated:
        request.session.pop(key, None)
        raise
    request.state.principal = principal
    return principal


def current_staff(request: Request, session: DbSession) -> Principal:
    return _load(request, session, STAFF_KEY)


def current_subscriber(request: Request, session: DbSession) -> Principal:
    return _load(request, session, SUBSCRIBER_KEY)


Staff = Annotated[Principal, Depends(current_staff)]
Subscriber = Annotated[Principal, Depends(current_subscriber)]


def sign_in(request: Request, key: str, ident: int) -> None:
    request.session[key] = ident
    csrf.rotate(request)


def sign_out(request: Request, key: str) -> None:
    request.session.pop(key, None)
    csrf.rotate(request)
