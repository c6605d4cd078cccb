"""Cross-site request forgery protection for the page forms.

Each browser session holds one random token; every POST form carries it in a
hidden field and the page router refuses a POST whose field does not match.
The session cookie is signed and SameSite=Lax, and this token is the second
lock: a form on another site cannot read it.
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request

from kindline.core.errors import Forbidden

SESSION_KEY = "csrf"
FIELD = "csrf_token"


def token(request: Request) -> str:
    """This session's token, made on first use."""
    value = request.session.get(SESSION_KEY)
    if not value:
        value = secrets.token_urlsafe(32)
        request.session[SESSION_KEY] = value
    return value


def rotate(request: Request) -> None:
    """A fresh token when who is signed in changes (sign-in, sign-out)."""
    request.session[SESSION_KEY] = secrets.token_urlsafe(32)


def check(request: Request, submitted: str | None) -> None:
    expected = request.session.get(SESSION_KEY)
    if not expected or not submitted or not hmac.compare_digest(str(expected), str(submitted)):
        raise Forbidden("csrf_failed", "页面已过期或无法确认请求来自本系统，请返回上一页，刷新后再提交一次。",
                        "missing or wrong CSRF token")
