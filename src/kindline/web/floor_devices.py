"""The hall's kiosks as enrolled devices.

The kiosk pages (web/hall_floor.py) need no sign-in, yet taking a ticket
with a phone or ID number answers whether its owner is in the green channel
(65+, the care archive): on an open page that is an oracle on personal
data. So a kiosk is a device of one hall, enrolled by staff: a clerk
(halls:counter) presses 把这台设备设为本厅取号机 on the halls list in the
kiosk's own browser, which stores the hall's id in the signed session
cookie under DEVICE_KEY, signs the clerk out (a shared screen in a public
room must not stay signed in to the console or the portal) and opens the
kiosk. Sign-out pops only its own key (web/identity.py), so the mark stays;
enrolling again for another hall moves the device there.

Each enrolment is an audit record of the hall (who, when, which browser).
The session cookie's max_age (app.py) bounds the mark: a kiosk idle for
longer than that is enrolled again by staff when the hall opens.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import RedirectResponse

from kindline.core import audit
from kindline.core.auth.permissions import HALLS_COUNTER
from kindline.core.deps import DbSession, get_runtime
from kindline.halls import service
from kindline.web import identity
from kindline.web.console import LOGIN
from kindline.web.routing import page_router

DEVICE_KEY = "floor_halls"
NOT_ENROLLED = "这台设备还不是本厅的取号机，请工作人员在工作台登记。"

# Carried by console_halls.router, which adds the "/console" prefix.
router = page_router(login_path=LOGIN)


def enrolled(request: Request, hall_id: int) -> bool:
    """Whether this browser is an enrolled kiosk of the hall."""
    halls = request.session.get(DEVICE_KEY)
    return isinstance(halls, list) and hall_id in halls


@router.post("/halls/{hall_id}/kiosk-device")
def enroll(request: Request, session: DbSession, staff: identity.Staff, hall_id: int):
    """Make this browser the hall's kiosk, sign everyone out of it, and open the kiosk."""
    staff.require(HALLS_COUNTER)
    hall = service.get(session, hall_id)
    request.session[DEVICE_KEY] = [hall.id]
    audit.record(session, get_runtime(request).clock, actor_id=staff.id, action="hall:kiosk_enrolled",
                 subject_type="hall", subject_id=hall.id,
                 reason=f"登记取号机：{request.headers.get('user-agent', '')}"[:500])
    identity.sign_out(request, identity.STAFF_KEY)
    identity.sign_out(request, identity.SUBSCRIBER_KEY)
    return RedirectResponse(f"/floor/{hall.id}/kiosk", status_code=303)
