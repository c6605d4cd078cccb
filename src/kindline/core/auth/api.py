"""Sign-in endpoints: staff by OAuth2 password form, subscribers by SMS code."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel

from kindline.core.auth import service
from kindline.core.auth.principal import Principal
from kindline.core.deps import DbSession, get_runtime

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


class TokenRead(BaseModel):
    access_token: str
    token_type: str = "bearer"
    kind: str
    name: str


def token_for(request: Request, principal: Principal) -> TokenRead:
    return TokenRead(access_token=get_runtime(request).tokens.issue(principal), kind=principal.kind,
                     name=principal.name)


@router.post("/token", response_model=TokenRead)
def staff_token(request: Request, form: Annotated[OAuth2PasswordRequestForm, Depends()], session: DbSession):
    """OAuth2 password flow for staff (username and password as a form)."""
    user = service.authenticate(session, form.username, form.password)
    return token_for(request, service.staff_principal(user))
