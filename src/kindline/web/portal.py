"""Subscriber portal sign-in by SMS code, and sign-out.

Two steps, each a plain form: the phone number (customers.signin.request_code
sends the code through the outbox), then the code (verify_code). The number
waiting for its code is kept in the session rather than in the address, so it
does not land in logs or browser history; a refreshed page resends nothing.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import Form, Request
from fastapi.responses import RedirectResponse

from kindline.core.deps import DbSession, get_runtime
from kindline.core.errors import DomainError, Unauthenticated
from kindline.core.masking import mask_phone
from kindline.customers import signin
from kindline.customers.phone import normalize_mobile
from kindline.web import identity
from kindline.web.render import render, safe_next
from kindline.web.routing import page_router

LOGIN = "/portal/login"
CODE_PAGE = "/portal/login/code"
PENDING_KEY = "portal_pending_phone"

router = page_router("/portal", login_path=LOGIN)


def _phone_page(request: Request, next: str, phone: str = "", error: str | None = None, status: int = 200):
    return render(request, "portal/login.html", status=status, back_to=LOGIN, title="用户登录",
                  next=safe_next(next, "/portal"), phone=phone, error=error)


def _code_page(request: Request, phone: str, next: str, error: str | None = None, status: int = 200):
    return render(request, "portal/code.html", status=status, back_to=CODE_PAGE, title="输入验证码",
                  masked_phone=mask_phone(phone), next=safe_next(next, "/portal"), error=error)


@router.get("/login")
def login_form(request: Request, next: str = ""):
    return _phone_page(request, next)


@router.post("/login")
def send_code(request: Request, session: DbSession, phone: Annotated[str, Form(max_length=30)] = "",
              next: Annotated[str, Form()] = ""):
    runtime = get_runtime(request)
    try:
        signin.request_code(session, runtime.clock, runtime.settings.resolved_secret_key(), phone)
    except DomainError as exc:
        session.rollback()
        return _phone_page(request, next, phone, exc.message, exc.status)
    request.session[PENDING_KEY] = normalize_mobile(phone)
    return RedirectResponse(f"{CODE_PAGE}?{urlencode({'next': safe_next(next, '/portal')})}", status_code=303)


@router.get("/login/code")
def code_form(request: Request, next: str = ""):
    phone = request.session.get(PENDING_KEY)
    if not phone:
        return RedirectResponse(LOGIN, status_code=303)
    return _code_page(request, phone, next)


@router.post("/login/code")
def verify(request: Request, session: DbSession, code: Annotated[str, Form(max_length=10)] = "",
           next: Annotated[str, Form()] = ""):
    phone = request.session.get(PENDING_KEY)
    if not phone:
        return RedirectResponse(LOGIN, status_code=303)
    runtime = get_runtime(request)
    try:
        customer = signin.verify_code(session, runtime.clock, runtime.settings.resolved_secret_key(), phone, code)
    except Unauthenticated as exc:
        session.commit()  # a wrong try counts even though the answer is a refusal
        return _code_page(request, phone, next, exc.message, 401)
    except DomainError as exc:
        session.rollback()
        return _code_page(request, phone, next, exc.message, exc.status)
    request.session.pop(PENDING_KEY, None)
    identity.sign_in(request, identity.SUBSCRIBER_KEY, customer.id)
    return RedirectResponse(safe_next(next, "/portal"), status_code=303)


@router.post("/logout")
def logout(request: Request):
    identity.sign_out(request, identity.SUBSCRIBER_KEY)
    return RedirectResponse(LOGIN, status_code=303)
