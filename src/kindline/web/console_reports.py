"""Console reports on how work is handled: the requests passed around (推诿),
the 首问负责制 check. ownership.passed_around counts each work order's
dispatches and owner changes from its history; the page lists those moved
at least a chosen number of times, most moved first, with who owns each one
now and where it sits, for one city (the city handling it or the line's home
city) or the whole province. The same figures as GET /api/v1/reports/passed-around.
"""

from __future__ import annotations

from fastapi import Query, Request

from kindline.core.auth.permissions import WORKORDERS_READ
from kindline.core.deps import DbSession
from kindline.web import identity
from kindline.web.console import LOGIN
from kindline.web.render import render
from kindline.web.routing import page_router
from kindline.web.workorder_views import all_teams, staff_names
from kindline.workorders import ownership
from kindline.workorders.types import STATUS_NAMES, TYPES

MINIMUMS = (2, 3, 4, 5, 8, 10)  # the choices of "moved at least" offered on the page
LIMIT = 100  # work orders listed, most moved first

router = page_router("/console", login_path=LOGIN)


def _minimum(text: str) -> int:
    """The chosen threshold; anything not offered is the report's own default."""
    return int(text) if text.isdigit() and int(text) in MINIMUMS else ownership.PASSED_AROUND


@router.get("/reports/passed-around")
def passed_around(request: Request, session: DbSession, staff: identity.Staff,
                  city: str = Query("", max_length=40), minimum: str = Query("", max_length=4)):
    staff.require(WORKORDERS_READ)
    chosen = {"city": city.strip(), "minimum": _minimum(minimum.strip())}
    found = ownership.passed_around(session, city=chosen["city"] or None, minimum=chosen["minimum"],
                                     limit=LIMIT)
    known = all_teams(session)
    names = staff_names(session, {o.owner_id for o, _ in found} | {o.assignee_id for o, _ in found})
    rows = [{"order": o, "moves": n, "team": known.get(o.team_id), "owner": names.get(o.owner_id or 0),
             "assignee": names.get(o.assignee_id or 0)} for o, n in found]
    cities = sorted({t.city for t in known.values() if t.city})
    return render(request, "console/reports_passed_around.html", title="反复流转的工单", rows=rows, chosen=chosen,
                  cities=[(c, c) for c in cities], minimums=[(str(n), f"{n}次及以上") for n in MINIMUMS],
                  types=TYPES, statuses=STATUS_NAMES, limited=len(rows) >= LIMIT, limit=LIMIT)
