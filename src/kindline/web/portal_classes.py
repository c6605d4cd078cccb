"""Portal class pages: the upcoming 爱心小课堂 by topic with the places left,
sign-up for oneself (channel "portal") and "my sign-ups".

halls.care decides everything: a class that has started or is full is
refused in its words, and signing up again with the same phone answers the
seat already held (a retried SMS, a second click), which the page says
plainly rather than as an error. Classes are listed for the subscriber's own
city first, since an elder goes to a class near home; every city is a link away.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Form, Query, Request
from fastapi.responses import RedirectResponse

from kindline.core.clock import Clock
from kindline.core.deps import DbSession, get_runtime
from kindline.core.errors import DomainError
from kindline.customers import service as customers
from kindline.halls import care, service
from kindline.halls.models import ElderClass
from kindline.halls.types import CLASS_TOPICS
from kindline.web import identity
from kindline.web.portal import LOGIN
from kindline.web.render import render
from kindline.web.routing import page_router

CHANNEL = "portal"
Small = Annotated[str, Query(max_length=12)]
DONE = {"signed": "报名成功，请按时到场上课。", "again": "您已经报过名了，名额为您保留着。"}

router = page_router("/portal", login_path=LOGIN)


@dataclass(frozen=True)
class ClassView:
    lesson: ElderClass
    topic: str
    place: str
    when: str
    seats_left: int
    mine: bool


@dataclass(frozen=True)
class Shown:
    """Which classes the list shows, carried through a sign-up and back."""
    hall: int | None = None
    everywhere: bool = False

    @property
    def href(self) -> str:
        query = f"hall={self.hall}" if self.hall else "city=all" if self.everywhere else ""
        return "/portal/classes" + (f"?{query}" if query else "")


def _shown(hall: str, city: str) -> Shown:
    return Shown(int(hall) if hall.isdigit() else None, city == "all")


def _view(session, clock: Clock, lesson: ElderClass, mine: set[int]) -> ClassView:
    return ClassView(lesson, CLASS_TOPICS[lesson.topic], care.place_text(session, lesson),
                     care.when_text(clock, lesson),
                     max(0, lesson.capacity - care.taken(session, lesson.id)), lesson.id in mine)


def _page(request: Request, session, me, shown: Shown, *, error: str | None = None, notice: str | None = None,
          status: int = 200):
    """The classes of one hall, of the subscriber's city, or of every city."""
    clock = get_runtime(request).clock
    customer = customers.get(session, me.id)
    hall = service.get(session, shown.hall) if shown.hall else None
    seats = care.signups_of(session, customer)
    mine = {lesson.id for _, lesson in seats}
    city = None if shown.everywhere or hall else customer.city
    upcoming = [_view(session, clock, c, mine) for c in care.classes(session, city=city, since=clock.now())
                if hall is None or c.hall_id == hall.id]
    by_topic = [(name, [v for v in upcoming if v.lesson.topic == code]) for code, name in CLASS_TOPICS.items()]
    return render(request, "portal/classes.html", status=status, back_to=shown.href, title="爱心小课堂",
                  by_topic=[(n, vs) for n, vs in by_topic if vs], hall=hall, everywhere=shown.everywhere,
                  city=customer.city, error=error, notice=notice,
                  seats=[_view(session, clock, lesson, mine) for _, lesson in seats])


@router.get("/classes")
def class_list(request: Request, session: DbSession, me: identity.Subscriber, hall: Small = "", city: Small = "",
               done: Small = ""):
    return _page(request, session, me, _shown(hall, city), notice=DONE.get(done))


@router.post("/classes/{class_id:int}/signup")
def sign_up(request: Request, session: DbSession, me: identity.Subscriber, class_id: int,
            hall: Annotated[str, Form(max_length=12)] = "", city: Annotated[str, Form(max_length=12)] = ""):
    shown = _shown(hall, city)
    try:
        _entry, made = care.sign_up(session, get_runtime(request).clock, me, class_id, channel=CHANNEL)
    except DomainError as exc:
        if exc.status == 403:
            raise
        session.rollback()
        return _page(request, session, me, shown, error=exc.message, status=exc.status)
    done = "signed" if made else "again"
    return RedirectResponse(shown.href + ("&" if "?" in shown.href else "?") + f"done={done}", status_code=303)
