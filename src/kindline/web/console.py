"""Staff console: sign-in and sign-out, the home page, customer search and the
SMS log (where the demo reads portal sign-in codes)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import RedirectResponse

from kindline.core import sms
from kindline.core.auth import service as auth
from kindline.core.auth.models import StaffUser
from kindline.core.auth.permissions import CUSTOMERS_READ, ROLE_NAMES_ZH, SMS_VIEW
from kindline.core.deps import DbSession, get_runtime
from kindline.core.errors import Unauthenticated
from kindline.core.pagination import PageParams, paginate
from kindline.customers import service as customers
from kindline.customers.phone import is_mobile, normalize_mobile
from kindline.customers.segments import SEGMENT_NAMES_ZH
from kindline.web import identity
from kindline.web.render import render, safe_next
from kindline.web.routing import page_router

LOGIN = "/console/login"
PAGE_SIZE = 20
SEARCH_MODES = {"auto": "自动识别", "phone": "手机/业务号码", "name": "姓名", "id": "身份证号后几位"}

router = page_router("/console", login_path=LOGIN)


@router.get("/login")
def login_form(request: Request, next: str = ""):
    return render(request, "console/login.html", title="员工登录", next=safe_next(next, "/console"),
                  username="", error=None)


@router.post("/login")
def login(request: Request, session: DbSession, username: Annotated[str, Form(max_length=64)] = "",
          password: Annotated[str, Form(max_length=256)] = "", next: Annotated[str, Form()] = ""):
    try:
        user = auth.authenticate(session, username.strip(), password)
    except Unauthenticated as exc:
        return render(request, "console/login.html", status=401, back_to=LOGIN, title="员工登录",
                      next=safe_next(next, "/console"), username=username, error=exc.message)
    identity.sign_in(request, identity.STAFF_KEY, user.id)
    return RedirectResponse(safe_next(next, "/console"), status_code=303)


@router.post("/logout")
def logout(request: Request):
    identity.sign_out(request, identity.STAFF_KEY)
    return RedirectResponse(LOGIN, status_code=303)


@router.get("")
def home(request: Request, session: DbSession, staff: identity.Staff):
    user = session.get(StaffUser, staff.id)
    roles = [ROLE_NAMES_ZH.get(role, role) for role in user.roles]
    return render(request, "console/home.html", title="工作台", roles=roles, modes=SEARCH_MODES,
                  can_search=staff.can(CUSTOMERS_READ), can_sms=staff.can(SMS_VIEW))


def search_terms(query: str, mode: str) -> dict[str, str]:
    """What customers.service.find is asked, from one search box: 11 digits
    are a phone, up to 6 digits (or ending in X) an ID tail, text a name."""
    text = query.strip()
    compact = text.replace(" ", "").replace("-", "").upper()
    if mode == "auto":
        looks_id = compact[:-1].isdigit() and (compact[-1].isdigit() or compact[-1] == "X")
        if compact.isdigit() and len(compact) >= 7 and len(compact) != 18:
            mode = "phone"
        elif len(compact) >= 2 and looks_id and (len(compact) <= 6 or len(compact) == 18):
            mode = "id"
        else:
            mode = "name"
    if mode == "phone":
        return {"phone": normalize_mobile(compact) if is_mobile(compact) else compact}
    if mode == "id":
        return {"id_number": compact}
    return {"name": text}


@router.get("/customers")
def search(request: Request, session: DbSession, staff: identity.Staff, q: str = "", by: str = "auto",
           offset: int = 0):
    staff.require(CUSTOMERS_READ)
    by = by if by in SEARCH_MODES else "auto"
    rows, total, params = [], 0, PageParams(limit=PAGE_SIZE, offset=max(0, offset))
    if q.strip():
        rows, total = paginate(session, customers.find(session, **search_terms(q, by)), params)
    clock = get_runtime(request).clock
    found = [{"customer": c, "age": customers.age(c, clock),
              "segments": [SEGMENT_NAMES_ZH.get(s, s) for s in customers.segments(c, clock)]} for c in rows]
    return render(request, "console/search.html", title="客户查询", q=q, by=by, modes=SEARCH_MODES,
                  found=found, total=total, params=params)


@router.get("/sms")
def sms_log(request: Request, session: DbSession, staff: identity.Staff, to: str = ""):
    staff.require(SMS_VIEW)
    recipient = normalize_mobile(to) if to.strip() and is_mobile(to) else (to.strip() or None)
    messages = sms.recent(session, limit=50, recipient=recipient)
    return render(request, "console/sms.html", title="短信记录", messages=messages, to=to)
