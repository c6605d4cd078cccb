"""Fitting replies into SMS: one message of at most 70 characters, or numbered
parts of at most 67 each, the "(1/2)" prefix counted inside the 67.

Chinese text goes out in UCS-2, where one message holds 70 characters and a
part of a long message 67 (the rest is the concatenation header). Old handsets
show the parts as separate messages, often out of order, so each part carries
its number in the text itself. Characters are counted as UCS-2 units: a
character outside the Basic Multilingual Plane takes two.
"""

from __future__ import annotations

SINGLE = 70
PART = 67
# A part prefers to end after one of these, so a sentence is not cut in two.
_BREAKS = "\n。；;！!？?，,、）)"


def units(text: str) -> int:
    """Length in UCS-2 units, as the handset counts it."""
    return len(text.encode("utf-16-le")) // 2


def _take(text: str, room: int) -> tuple[str, str]:
    """The longest head of `text` within `room` units, ending at a break when
    one falls in its second half; and the rest."""
    size, cut = 0, 0
    for index, ch in enumerate(text):
        size += units(ch)
        if size > room:
            break
        cut = index + 1
    if cut >= len(text):
        return text, ""
    for index in range(cut - 1, cut // 2 - 1, -1):
        if text[index] in _BREAKS:
            cut = index + 1
            break
    return text[:cut], text[cut:]


def _chunks(text: str, room: int) -> list[str]:
    parts, rest = [], text
    while rest:
        head, rest = _take(rest, room)
        head = head.strip()
        rest = rest.lstrip()
        if head:
            parts.append(head)
    return parts


def split(text: str) -> list[str]:
    """The messages to send for one reply, in order."""
    text = text.strip()
    if units(text) <= SINGLE:
        return [text]
    count = 2
    while True:  # the prefix grows with the count ("(10/10)"), so settle the count first
        room = PART - len(f"({count}/{count})")
        chunks = _chunks(text, room)
        if len(chunks) <= count:
            count = len(chunks)
            break
        count = len(chunks)
    return [f"({index}/{count}){chunk}" for index, chunk in enumerate(chunks, start=1)]
