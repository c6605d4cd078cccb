"""What the console's hall pages share: the right to see them, durations and
shares written as people read them, and the Chinese names of the halls'
codes. Every figure comes from the halls domain; this module only words it.
"""

from __future__ import annotations

import re
from datetime import date

from kindline.core.auth.permissions import HALLS_COUNTER, HALLS_MANAGE
from kindline.core.auth.principal import Principal
from kindline.core.errors import Invalid
from kindline.halls.types import CARE_GROUPS, CARE_SERVICES, CATEGORIES, COUNTER_KINDS, GREEN_GROUPS
from kindline.web.console_hotline import wait_text

CATEGORY_NAMES = {code: c.name for code, c in CATEGORIES.items()}
# The same words as the domain's lists, named here once for every hall page.
NAMES = {"category": CATEGORY_NAMES, "kind": COUNTER_KINDS, "group": GREEN_GROUPS, "care_group": CARE_GROUPS,
         "care_service": CARE_SERVICES}
GROUP_SOURCES = {"id_card": "身份证识别", "phone": "手机号识别", "declared": "取号时自报"}
MAX_LINKED = 20


def duration(seconds: float | None) -> str:
    """"3分05秒": the hotline's wording, so a wait reads the same on every desk."""
    return wait_text(None if seconds is None else round(seconds))


def minutes(seconds: float | None) -> float | None:
    """Seconds as minutes with one decimal, for the charts (people think in minutes here)."""
    return None if seconds is None else round(seconds / 60, 1)


def percent(value: float | None) -> str:
    return "无数据" if value is None else f"{value * 100:.1f}".rstrip("0").rstrip(".") + "%"


def require_any(staff: Principal) -> None:
    """The hall list is for the counter staff and the managers alike."""
    if not staff.can(HALLS_MANAGE):
        staff.require(HALLS_COUNTER)


def day_of(text: str, default: date) -> date:
    if not text.strip():
        return default
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise Invalid("invalid_date", "日期格式不正确，请按“年-月-日”填写，例如2026-11-22。",
                      f"not a date: {text!r}") from None


def ids_of(text: str, what: str) -> list[int]:
    """Record numbers typed at the counter ("12, 15"): digits only, so a typo
    is answered rather than silently dropped; the domain checks they exist."""
    parts = [p for p in re.split(r"[\s,，、;；]+", text.strip()) if p]
    if any(not p.isdigit() for p in parts) or len(parts) > MAX_LINKED:
        raise Invalid("invalid_ids", f"{what}应为数字，多个用逗号分开，最多{MAX_LINKED}个。", f"bad ids for {what}: {text!r}")
    return [int(p) for p in parts]
