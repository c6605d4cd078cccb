"""Segments are derived, never typed by hand: age from the ID on the clock's
today, VIP from the level, care and priority groups from their records."""

from __future__ import annotations

from datetime import date

from kindline.customers.idnumber import age_on
from kindline.customers.models import Customer

PRIORITY_GROUPS = {
    "disabled": "残疾人",
    "pregnant": "孕妇",
    "military": "军人及优抚对象",
    "outdoor_worker": "户外劳动者",
}

SEGMENT_NAMES_ZH = {
    "elderly": "长者",
    "vip": "VIP",
    "care_archive": "特殊关爱",
    **PRIORITY_GROUPS,
}


def segments_of(customer: Customer, today: date, elderly_age: int) -> list[str]:
    found: list[str] = []
    if age_on(customer.birth_date, today) >= elderly_age:
        found.append("elderly")
    if customer.vip_level > 0:
        found.append("vip")
    if customer.care_archive is not None:
        found.append("care_archive")
    found.extend(g.group_name for g in customer.priority_groups)
    return found
