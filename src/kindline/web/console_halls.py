"""Console hall pages: the halls list (by city), the clerk's counter
(console_hall_counter) and the manager's dashboard (console_hall_dashboard).

This router carries the other two, so the hall pages are registered once,
where web/pages.py already mounts this module.
"""

from __future__ import annotations

from fastapi import Query, Request

from kindline.core.auth.permissions import HALLS_MANAGE
from kindline.core.deps import DbSession, get_runtime
from kindline.halls import care, hours, service
from kindline.web import console_hall_classes, console_hall_counter, console_hall_dashboard, floor_devices, identity
from kindline.web.console import LOGIN
from kindline.web.console_hall_views import NAMES, require_any
from kindline.web.render import render
from kindline.web.routing import page_router

router = page_router("/console", login_path=LOGIN)


@router.get("/halls")
def halls(request: Request, session: DbSession, staff: identity.Staff, city: str = Query("", max_length=40)):
    require_any(staff)
    clock = get_runtime(request).clock
    now = clock.local_now()
    upcoming = care.classes(session, since=clock.now())
    cities = sorted({h.city for h in service.halls(session)})
    chosen = city.strip() if city.strip() in cities else ""
    rows = []
    for hall in service.halls(session, chosen or None):
        plan = hours.of(hall)
        rows.append({"hall": hall, "open": plan.is_open(now), "today": plan.text(now.date()),
                     "counters": [{"number": c.number, "kind": NAMES["kind"][c.kind], "open": c.is_open}
                                  for c in service.counters(session, hall.id)],
                     "classes": [(c, care.when_text(clock, c)) for c in upcoming if c.hall_id == hall.id]})
    return render(request, "console/halls_list.html", title="营业厅", rows=rows, chosen=chosen,
                  cities=[(c, c) for c in cities], can_manage=staff.can(HALLS_MANAGE))


router.include_router(console_hall_counter.router)
router.include_router(console_hall_dashboard.router)
router.include_router(console_hall_classes.router)
router.include_router(floor_devices.router)
