"""Values typed or picked in a page's form, read once for every area: a
number, a day, a list of record numbers. Anything malformed is refused in
Chinese (Invalid, 422) rather than guessed at or silently dropped."""

from __future__ import annotations

import re
from datetime import date

from kindline.core.errors import Invalid

DATE_FORMAT = "日期格式不正确，请按“年-月-日”填写，例如2026-11-23。"
MAX_LINKED = 20


def number(text: str, message: str) -> int:
    """A number picked in a form."""
    try:
        return int(text.strip())
    except ValueError:
        raise Invalid("invalid_choice", message, f"not a number: {text!r}") from None


def day_of(text: str, message: str = DATE_FORMAT, *, default: date | None = None) -> date:
    """A day ("2026-11-23"); an empty field is `default` when the page has one."""
    if not text.strip() and default is not None:
        return default
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise Invalid("invalid_date", message, f"not a date: {text!r}") from None


def ids_of(text: str, what: str) -> list[int]:
    """Record numbers typed at a counter ("12, 15"): digits only, so a typo
    is answered rather than dropped; the domain checks they exist."""
    parts = [p for p in re.split(r"[\s,，、;；]+", text.strip()) if p]
    if any(not p.isdigit() for p in parts) or len(parts) > MAX_LINKED:
        raise Invalid("invalid_ids", f"{what}应为数字，多个用逗号分开，最多{MAX_LINKED}个。", f"bad ids for {what}: {text!r}")
    return [int(p) for p in parts]
