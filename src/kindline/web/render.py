"""Rendering pages: one Jinja2 environment, the elder-mode switch and the
context every page shares (who is signed in, the CSRF token, the way back).

Every template extends shared/base.html, which carries the elder switch, so a
page cannot be rendered without it (rule 8 of ARCHITECTURE.md).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape

from kindline.catalog.models import LINE_KINDS
from kindline.core.masking import mask_id_number, mask_phone
from kindline.core.money import yuan
from kindline.customers.segments import SEGMENT_NAMES_ZH
from kindline.web import csrf

TEMPLATES = Path(__file__).resolve().parent / "templates"
ELDER_COOKIE = "kindline_elder"
ELDER_COOKIE_AGE = 365 * 24 * 3600
# Pages carry personal data: never cached, never framed by another site.
PAGE_HEADERS = {"Cache-Control": "no-store", "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin",
                "X-Content-Type-Options": "nosniff"}


def is_elder(request: Request) -> bool:
    """Elder mode is a per-browser preference kept in a plain cookie, so it holds
    before sign-in and across sign-outs (an elder who chose it keeps it)."""
    return request.cookies.get(ELDER_COOKIE) == "1"


def safe_next(target: str | None, default: str = "/") -> str:
    """Only a local path may be a redirect target: no scheme, no host, no
    protocol-relative `//evil` or backslash tricks browsers read as a host."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    if any(ord(ch) < 32 for ch in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def here(request: Request) -> str:
    """This page's own address, to come back to after switching mode or signing in."""
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


@pass_context
def _local_time(context, moment: datetime | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    if moment is None:
        return ""
    return context["clock"].local(moment).strftime(pattern)


def _data_size(size: int) -> str:
    """Data allowances in the unit people use: GB above 1 GB, else MB."""
    gib = 1024 ** 3
    if size >= gib:
        value = size / gib
        return f"{value:.0f}GB" if value == int(value) else f"{value:.1f}GB"
    return f"{size // (1024 ** 2)}MB"


def _minutes(seconds: int) -> str:
    return f"{seconds // 60}分钟"


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(yuan=yuan, local_time=_local_time, data_size=_data_size, minutes=_minutes,
                       mask_phone=mask_phone, mask_id=mask_id_number)
    env.globals.update(line_kinds=LINE_KINDS, segment_names=SEGMENT_NAMES_ZH, urlencode=urlencode)
    return env


ENV = _environment()


def render(request: Request, template: str, status: int = 200, *, back_to: str | None = None,
           **context) -> HTMLResponse:
    """A full page. `back_to` names the GET address that shows this page again,
    for pages rendered in answer to a POST (the mode switch returns there)."""
    runtime = request.app.state.runtime
    elder = is_elder(request)
    return_path = safe_next(back_to or (here(request) if request.method == "GET" else None),
                            default=_area_home(request.url.path))
    shared = {
        "request": request,
        "elder": elder,
        "clock": runtime.clock,
        "csrf_token": csrf.token(request),
        "principal": getattr(request.state, "principal", None),
        "here": return_path,
        "area_home": _area_home(request.url.path),
        "mode_switch": "/mode?" + urlencode({"elder": "0" if elder else "1", "next": return_path}),
    }
    shared.update(context)
    html = ENV.get_template(template).render(shared)
    return HTMLResponse(html, status_code=status, headers=PAGE_HEADERS)


def _area_home(path: str) -> str:
    for area in ("/console", "/portal"):
        if path.startswith(area):
            return area
    return "/"
