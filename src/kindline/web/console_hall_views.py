"""What the console's hall pages share: the right to see them, durations and
shares written as people read them, and the Chinese names of the halls'
codes. Every figure comes from the halls domain; this module only words it.
"""

from __future__ import annotations

from kindline.core.auth.permissions import HALLS_COUNTER, HALLS_MANAGE
from kindline.core.auth.principal import Principal
from kindline.halls.types import CARE_GROUPS, CARE_SERVICES, CATEGORIES, COUNTER_KINDS, GREEN_GROUPS
from kindline.web.console_hotline import wait_text

CATEGORY_NAMES = {code: c.name for code, c in CATEGORIES.items()}
# The same words as the domain's lists, named here once for every hall page.
NAMES = {"category": CATEGORY_NAMES, "kind": COUNTER_KINDS, "group": GREEN_GROUPS, "care_group": CARE_GROUPS,
         "care_service": CARE_SERVICES}
GROUP_SOURCES = {"id_card": "身份证识别", "phone": "手机号识别", "declared": "取号时自报"}


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
