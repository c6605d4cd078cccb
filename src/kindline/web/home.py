"""The front door (/) and the elder-mode switch (/mode), shared by both sites."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import RedirectResponse

from kindline.core.errors import NotFound
from kindline.web.render import ELDER_COOKIE, ELDER_COOKIE_AGE, render, safe_next
from kindline.web.routing import page_router

router = page_router()


@router.get("/")
def home(request: Request):
    return render(request, "shared/home.html", title="欢迎")


@router.get("/mode")
def switch_mode(request: Request, elder: str = "1", next: str = "/"):
    """A plain link flips 长辈版 on or off; it works without JavaScript and the
    choice stays in a cookie for a year. Only a local `next` is followed."""
    response = RedirectResponse(safe_next(next), status_code=303)
    if elder == "1":
        response.set_cookie(ELDER_COOKIE, "1", max_age=ELDER_COOKIE_AGE, samesite="lax", httponly=True)
    else:
        response.delete_cookie(ELDER_COOKIE, samesite="lax", httponly=True)
    return response


# Included after every other page router: an unknown address under either
# site answers a Chinese page instead of the API's JSON 404.
fallback = page_router()


@fallback.get("/console/{rest:path}")
@fallback.get("/portal/{rest:path}")
def not_found(request: Request, rest: str):
    raise NotFound("page_not_found", "找不到这个页面，请从首页重新进入。", f"no page at {request.url.path}")
