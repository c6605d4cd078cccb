"""What the hall's own screens show and say: the kiosk's ticket and the lobby
board, shaped from the halls domain (tickets.standing, service.board,
service.call_text) so the screen, the API and the clerk's counter agree.

Only numbers are shown on these screens: they stand in a public room (the
board is open to anyone, the ticket page to the hall's enrolled kiosks, see
floor_devices.py), so neither shows the phone, the ID number or the priority
group behind a green-channel ticket.

Speech is espeak-ng through voice/audio.py; a sentence is rendered once and
kept under var_dir, since the board replays the same calls all day.
"""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from kindline.core.clock import Clock
from kindline.halls import hours, service, tickets
from kindline.halls.models import Hall, Ticket
from kindline.halls.types import ACTIVE, CATEGORIES, COUNTER_KINDS, STATUSES
from kindline.voice import audio

WEEKDAYS = "一二三四五六日"
CN_DIGITS = "零一二三四五六七八九"
_TICKET_NUMBER = re.compile(r"([A-Z])(\d+)")


@dataclass(frozen=True)
class Opening:
    open: bool
    today: str  # "09:00-20:00" or 休息
    message: str  # what a closed kiosk says; empty when open


def opening(hall: Hall, clock: Clock) -> Opening:
    plan = hours.of(hall)
    local = clock.local_now()
    today = plan.text(local.date())
    if hall.active and plan.is_open(local):
        return Opening(True, today, "")
    opens = plan.next_open(local)
    then = f"下次营业时间：{opens.month}月{opens.day}日 {opens:%H:%M}。" if opens else ""
    return Opening(False, today, f"{hall.name}现在不营业，不能取号。今日营业时间：{today}。{then}")


def categories(hall: Hall) -> list[tuple[str, str]]:
    """The categories this hall offers, as (code, Chinese name), in the domain's order."""
    return [(code, c.name) for code, c in CATEGORIES.items() if code in hall.services]


def spoken(text: str) -> str:
    """Ticket numbers read digit by digit, as halls announce them: A012 is
    "A零一二", never "A十二"; counter numbers stay numbers ("3号窗口")."""
    return _TICKET_NUMBER.sub(lambda m: m.group(1) + "".join(CN_DIGITS[int(d)] for d in m.group(2)), text)


def ticket_view(session: Session, clock: Clock, hall: Hall, ticket: Ticket) -> dict[str, Any]:
    """The kiosk's ticket: what to do now, the place in line, and the same as one sentence to say."""
    place = tickets.standing(session, clock, hall, ticket) if ticket.status == "waiting" else None
    counter_kind = None
    if ticket.status in ACTIVE and ticket.counter_number is not None:
        counter_kind = COUNTER_KINDS[service.counter(session, hall.id, ticket.counter_number).kind]
    if ticket.status in ACTIVE:
        action = f"请现在到{ticket.counter_number}号窗口（{counter_kind}）办理"
    elif ticket.status == "waiting":
        action = "请到爱心台席，优先办理" if ticket.green else "请在大厅等候，留意叫号屏和广播"
    else:
        action = f"此号码{STATUSES[ticket.status]}"
    category = CATEGORIES[ticket.category].name
    sentences = [f"您的号码是{ticket.number}号，办理{category}", *(["绿色通道"] if ticket.green else []), action]
    if place is not None:
        sentences.append(f"前面还有{place['ahead']}位，预计等候{place['expected_wait_minutes']}分钟")
    return {
        "id": ticket.id, "number": ticket.number, "category": category, "green": ticket.green,
        "status": ticket.status, "status_name": STATUSES[ticket.status], "action": action,
        "counter": ticket.counter_number, "counter_kind": counter_kind,
        "ahead": place["ahead"] if place else None, "wait_minutes": place["expected_wait_minutes"] if place else None,
        "taken_at": clock.local(ticket.taken_at).strftime("%H:%M"), "hall": hall.name,
        "speech": "。".join(sentences) + "。",
    }


def board_view(session: Session, clock: Clock, hall: Hall) -> dict[str, Any]:
    """The lobby board as plain JSON-ready data, for the page at load and every streamed update."""
    raw = service.board(session, clock, hall)
    local = clock.local_now()
    hall_open = opening(hall, clock)
    calls = [{"key": f"{c['number']}-{c['counter']}-{c['calls']}", "number": c["number"], "counter": c["counter"],
              "text": c["text"], "green": c["green"], "time": clock.local(c["called_at"]).strftime("%H:%M"),
              "audio": f"/floor/{hall.id}/calls/{c['number']}.wav"} for c in raw["calls"]]
    return {
        "hall": hall.name, "time": local.strftime("%H:%M"),
        "date": f"{local.month}月{local.day}日 星期{WEEKDAYS[local.weekday()]}",
        "open": hall_open.open, "open_text": "营业中" if hall_open.open else "暂停营业", "hours": hall_open.today,
        "calls": calls,
        "waiting": [{"code": code, "name": name, "count": raw["waiting"]["by_category"].get(code, 0)}
                    for code, name in categories(hall)],
        "waiting_total": raw["waiting"]["total"], "waiting_green": raw["waiting"]["green"],
        "counters": [{"number": c["counter"], "kind": c["kind_name"], "open": c["open"],
                      "text": c["ticket"] or ("空闲" if c["open"] else "暂停服务")} for c in raw["counters"]],
        "audio": audio.available(),
    }


def speech_wav(folder: Path, text: str) -> Path | None:
    """A WAV of `text` (rendered on first use, then kept); None when espeak-ng is missing."""
    if not audio.available():
        return None
    target = folder / f"{hashlib.sha256(text.encode()).hexdigest()[:32]}.wav"
    if target.exists():
        return target
    scratch = folder / f".{uuid.uuid4().hex}.wav"  # two screens asking at once never read half a file
    if audio.render(text, scratch) is None:
        return None
    os.replace(scratch, target)
    return target
