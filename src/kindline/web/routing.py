"""The page router: turns what the services raise into pages, never JSON.

The API answers errors as JSON through the app-wide handlers; a person in a
browser must instead see a Chinese page. Doing it in the route class keeps the
API handlers untouched and covers dependencies (sign-in, CSRF) as well as the
view itself:
- not signed in (Unauthenticated)  -> redirect to the area's sign-in page;
- any other DomainError            -> an error page with its Chinese message
  and its status (403 for permissions and CSRF, 404, 409 ...);
- a malformed form                 -> a 400 page.
Every POST is checked for the CSRF token here, before the view runs, so no
form can forget it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.routing import APIRoute

from kindline.core.errors import DomainError, Unauthenticated
from kindline.web import csrf
from kindline.web.render import here, render

log = logging.getLogger("kindline.web")

ERROR_TITLES = {400: "请求有误", 403: "无法办理", 404: "找不到内容", 409: "无法办理", 422: "填写有误", 429: "操作太频繁"}


def error_page(request: Request, status: int, message: str) -> Response:
    return render(request, "shared/error.html", status=status, title=ERROR_TITLES.get(status, "出错了"),
                  message=message)


def _route_class(login_path: str | None) -> type[APIRoute]:
    class PageRoute(APIRoute):
        def get_route_handler(self) -> Callable:
            handler = super().get_route_handler()

            async def page_handler(request: Request) -> Response:
                try:
                    if request.method == "POST":
                        form = await request.form()  # cached: the view's Form() fields read the same
                        csrf.check(request, form.get(csrf.FIELD))
                    return await handler(request)
                except Unauthenticated as exc:
                    if login_path is None:
                        return error_page(request, 401, exc.message)
                    back = here(request) if request.method == "GET" else ""
                    target = login_path + (f"?{urlencode({'next': back})}" if back else "")
                    return RedirectResponse(target, status_code=303)
                except DomainError as exc:
                    log.info("%s %s -> %s %s", request.method, request.url.path, exc.status, exc.code)
                    return error_page(request, exc.status, exc.message)
                except RequestValidationError:
                    return error_page(request, 400, "提交的内容不完整或格式不正确，请返回上一页检查后再试。")

            return page_handler

    return PageRoute


def page_router(prefix: str = "", login_path: str | None = None) -> APIRouter:
    """A router for one area of pages; `login_path` is where the unsigned go."""
    return APIRouter(prefix=prefix, route_class=_route_class(login_path), include_in_schema=False)


async def _form_fields(request: Request) -> dict[str, str]:
    """Every text field of a POSTed form, for forms whose fields depend on a
    choice made in the form itself (the order type)."""
    form = await request.form()
    return {key: value.strip() for key, value in form.items() if isinstance(value, str)}


FormFields = Annotated[dict[str, str], Depends(_form_fields)]
