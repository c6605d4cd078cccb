"""Pages on a hall's own screens: the kiosk and the lobby board (no sign-in:
they run on devices inside the hall and show numbers only).

The kiosk answers whether a typed phone or ID number is in the green
channel, so it works only on a device staff enrolled for this hall
(web/floor_devices.py): elsewhere its start page shows the notice instead
of the buttons, and taking a ticket, the ticket page and its speech are
refused (403) having taken and shown nothing. The lobby board stays open.

The kiosk (取号机) is elder-first: 长辈版 is its default look, whatever the
browser's cookie says, since the device is shared and its next visitor may
be 80; `?look=standard` is the switch, carried in the address so one
visitor's choice does not stay on the device. Step 1 picks a category, step
2 identifies for the green channel (phone or ID number, or a declared
group) or skips, and the POST takes the ticket through halls.tickets.take on
channel "kiosk", exactly as the API does; the ticket page can read itself
aloud.

The lobby board is complete at load and is then refreshed by server-sent
events (web/live.py); static/lobby.js writes the figures in and plays each new
call as espeak-ng audio, or shows the text only when that is not installed.
"""

from __future__ import annotations

import re
import uuid
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import FileResponse, RedirectResponse
from sqlalchemy import select

from kindline.core.deps import DbSession, get_runtime
from kindline.core.errors import DomainError, Forbidden, NotFound
from kindline.halls import service, tickets
from kindline.halls.models import Hall, Ticket
from kindline.halls.types import CATEGORIES, GREEN_GROUPS
from kindline.voice import audio
from kindline.web import floor_devices, live
from kindline.web import floor_present as present
from kindline.web.render import render
from kindline.web.routing import FormFields, page_router

router = page_router("/floor")

STREAM_SECONDS = 3
STANDARD = "standard"
_CALL_NUMBER = re.compile(r"[A-Z]\d{3,4}")


# -- the kiosk ------------------------------------------------------------------------------------------------

def kiosk_url(hall_id: int, elder: bool, path: str = "", **params: str) -> str:
    """An address on this kiosk that keeps its look (elder unless chosen otherwise)."""
    query = {**params, **({} if elder else {"look": STANDARD})}
    return f"/floor/{hall_id}/kiosk{path}" + (f"?{urlencode(query)}" if query else "")


def _kiosk(request: Request, hall: Hall, template: str, elder: bool, *, status: int = 200, **context):
    """A kiosk page: its own elder default and a mode switch that stays on the kiosk."""
    switch = kiosk_url(hall.id, not elder)
    return render(request, f"floor/{template}", status=status, title=f"{hall.name} 自助取号", elder=elder,
                  mode_switch=switch, hall=hall, start=kiosk_url(hall.id, elder), look="" if elder else STANDARD,
                  **context)


def _start(request: Request, hall: Hall, elder: bool, *, error: str | None = None, status: int = 200):
    clock = get_runtime(request).clock
    choices = [(code, name, kiosk_url(hall.id, elder, category=code)) for code, name in present.categories(hall)]
    return _kiosk(request, hall, "kiosk_start.html", elder, status=status, opening=present.opening(hall, clock),
                  choices=choices, error=error, enrolled=floor_devices.enrolled(request, hall.id),
                  not_enrolled=floor_devices.NOT_ENROLLED)


def _not_a_kiosk(request: Request, hall: Hall, elder: bool):
    """The refusal on a device not enrolled for this hall: the start page with the notice, nothing taken."""
    return _start(request, hall, elder, status=403)


def _identify(request: Request, hall: Hall, elder: bool, category: str, *, error: str | None = None,
              number: str = "", key: str | None = None, status: int = 200):
    return _kiosk(request, hall, "kiosk_identify.html", elder, status=status, category=category,
                  category_name=CATEGORIES[category].name, groups=list(GREEN_GROUPS.items()), error=error,
                  number=number, idempotency_key=key or uuid.uuid4().hex)


@router.get("/{hall_id}/kiosk")
def kiosk(request: Request, session: DbSession, hall_id: int, category: str = "", look: str = ""):
    """Step 1 (no category yet) or step 2 (identify or skip) of taking a ticket."""
    hall = service.get(session, hall_id)
    elder = look != STANDARD
    if not category or not floor_devices.enrolled(request, hall.id):
        return _start(request, hall, elder)
    if category not in dict(present.categories(hall)):
        return _start(request, hall, elder, error="本厅不办理这项业务，请重新选择。", status=404)
    if not present.opening(hall, get_runtime(request).clock).open:
        return _start(request, hall, elder, status=409)
    return _identify(request, hall, elder, category)


def id_fields(raw: str) -> tuple[str | None, str | None]:
    """(phone, id_number) from the kiosk's one number field: up to 11 digits is
    a phone number, anything longer an ID card number; the domain checks each."""
    text = re.sub(r"[\s-]", "", raw or "")
    if not text:
        return None, None
    return (text, None) if text.isdigit() and len(text) <= 11 else (None, text)


def _again(request: Request, hall: Hall, elder: bool, fields: dict[str, str], error: str, status: int):
    """The step to retry from, with the refusal on it: step 1 when the
    category is the problem (or the hall has closed), else step 2 with what was typed."""
    category = fields.get("category", "")
    if category not in dict(present.categories(hall)) or status == 409:
        return _start(request, hall, elder, error=error, status=status)
    return _identify(request, hall, elder, category, error=error, number=fields.get("number", "")[:40],
                     key=fields.get("idempotency_key"), status=status)


@router.post("/{hall_id}/kiosk/tickets")
def kiosk_take(request: Request, session: DbSession, hall_id: int, fields: FormFields):
    hall = service.get(session, hall_id)
    elder = fields.get("look") != STANDARD
    if not floor_devices.enrolled(request, hall.id):
        return _not_a_kiosk(request, hall, elder)
    phone, id_number = (None, None) if fields.get("skip") else id_fields(fields.get("number", "")[:40])
    if fields.get("identify") and phone is None and id_number is None:
        return _again(request, hall, elder, fields, "请先输入手机号码或身份证号码，或者选择“直接取号”。", 422)
    try:
        ticket, _ = tickets.take(session, get_runtime(request).clock, None, hall, category=fields.get("category", ""),
                                 phone=phone, id_number=id_number, group=fields.get("group") or None, channel="kiosk",
                                 idempotency_key=fields.get("idempotency_key", "")[:100] or None)
    except DomainError as exc:
        session.rollback()
        return _again(request, hall, elder, fields, exc.message, exc.status)
    return RedirectResponse(kiosk_url(hall.id, elder, f"/tickets/{ticket.id}"), status_code=303)


@router.get("/{hall_id}/kiosk/tickets/{ticket_id}")
def kiosk_ticket(request: Request, session: DbSession, hall_id: int, ticket_id: int, look: str = ""):
    hall = service.get(session, hall_id)
    if not floor_devices.enrolled(request, hall.id):
        return _not_a_kiosk(request, hall, look != STANDARD)
    view = present.ticket_view(session, get_runtime(request).clock, hall, tickets.get(session, hall, ticket_id))
    return _kiosk(request, hall, "kiosk_ticket.html", look != STANDARD, ticket=view,
                  audio_url=f"/floor/{hall.id}/tickets/{ticket_id}.wav", audio_on=audio.available())


# -- speech ---------------------------------------------------------------------------------------------------

def _wav(request: Request, text: str) -> FileResponse:
    path = present.speech_wav(get_runtime(request).settings.var_dir / "speech", present.spoken(text))
    if path is None:
        raise NotFound("speech_off", "本机未安装语音合成，请看屏幕上的文字。", "espeak-ng is not installed")
    return FileResponse(path, media_type="audio/wav", headers={"Cache-Control": "no-cache"})


@router.get("/{hall_id}/tickets/{ticket_id}.wav")
def ticket_speech(request: Request, session: DbSession, hall_id: int, ticket_id: int):
    """The kiosk's ticket read aloud (朗读), on the hall's enrolled kiosk only."""
    hall = service.get(session, hall_id)
    if not floor_devices.enrolled(request, hall.id):
        raise Forbidden("kiosk_not_enrolled", floor_devices.NOT_ENROLLED, f"not an enrolled kiosk of hall {hall.id}")
    view = present.ticket_view(session, get_runtime(request).clock, hall, tickets.get(session, hall, ticket_id))
    return _wav(request, view["speech"])


@router.get("/{hall_id}/calls/{number}.wav")
def call_speech(request: Request, session: DbSession, hall_id: int, number: str):
    """Today's call of a number, spoken as the board shows it ("请A012号到3号窗口")."""
    hall = service.get(session, hall_id)
    clock = get_runtime(request).clock
    ticket = None
    if _CALL_NUMBER.fullmatch(number):
        ticket = session.scalar(select(Ticket).where(Ticket.hall_id == hall.id, Ticket.number == number,
                                                     Ticket.service_day == clock.today(),
                                                     Ticket.called_at.is_not(None)))
    if ticket is None:
        raise NotFound("call_not_found", "今天没有呼叫过这个号码。", f"no call of {number!r} today in hall {hall.id}")
    return _wav(request, service.call_text(ticket))


# -- the lobby board ------------------------------------------------------------------------------------------

@router.get("/{hall_id}/board")
def board(request: Request, session: DbSession, hall_id: int):
    hall = service.get(session, hall_id)
    view = present.board_view(session, get_runtime(request).clock, hall)
    return render(request, "floor/board.html", title=f"{hall.name} 叫号屏", hall=hall, board=view,
                  start=f"/floor/{hall.id}/board",
                  stream=f"/floor/{hall.id}/board/stream", stream_seconds=STREAM_SECONDS)


@router.get("/{hall_id}/board/stream")
def board_stream(request: Request, session: DbSession, hall_id: int, once: int = 0):
    """Server-sent events: a `board` event with the board's figures every few seconds."""
    hall_id = service.get(session, hall_id).id
    runtime = get_runtime(request)

    def read() -> dict:
        with runtime.sessions() as own:
            return present.board_view(own, runtime.clock, service.get(own, hall_id))

    return live.stream(request, read, "board", STREAM_SECONDS, once=bool(once))
