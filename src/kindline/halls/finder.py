"""The hall finder: the halls nearest to a location or an address, whether
each is open now, how far a walk it is, and whether one is within 500 m.

Distances are great-circle (haversine) distances. A walk is longer than the
straight line, so the walking distance is the straight line times a detour
factor of 1.3 (usual for Chinese city grids), and its minutes are counted at
an elder's pace of 60 m a minute rather than the 80 of a young adult: this
finder is read by elderly subscribers first. The "within 500 m" standard of
DOMAIN.md ("a hall within 500 m in cities") is a radius, so it is judged on
the straight-line distance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kindline.core.clock import Clock
from kindline.core.errors import Invalid
from kindline.halls import districts, hours
from kindline.halls.models import Hall

EARTH_RADIUS_M = 6_371_008.8
DETOUR = 1.3
ELDER_PACE_M_PER_MIN = 60.0
NEAR_M = 500.0
MAX_RESULTS = 20


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def walking(distance_m: float) -> tuple[int, int]:
    """(walking metres, walking minutes) for a straight-line distance."""
    metres = distance_m * DETOUR
    return round(metres), max(1, math.ceil(metres / ELDER_PACE_M_PER_MIN))


def check_location(lat: float, lon: float) -> None:
    if not (isinstance(lat, (int, float)) and isinstance(lon, (int, float))
            and math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise Invalid("invalid_location", "位置不正确：纬度应在 -90 到 90 之间，经度应在 -180 到 180 之间。",
                      f"invalid location {lat!r}, {lon!r}")


@dataclass(frozen=True)
class Found:
    hall: Hall
    distance_m: int
    walking_m: int
    walking_minutes: int
    open_now: bool
    today: str  # today's hours, "09:00-20:00" or 休息
    closes_at: datetime | None
    next_open: datetime | None


@dataclass(frozen=True)
class Nearest:
    lat: float
    lon: float
    halls: list[Found]
    within_500m: bool  # is any active hall within 500 m (straight line)?
    located_by: str  # "coordinates", or "district" when an address was matched to its district centre
    place: str = ""  # the district the address was matched to


def status(hall: Hall, clock: Clock) -> tuple[bool, str, datetime | None, datetime | None]:
    """Open now, today's hours, when it closes (open) or next opens (closed)."""
    local = clock.local_now()
    plan = hours.of(hall)
    is_open = hall.active and plan.is_open(local)
    return (is_open, plan.text(local.date()), plan.closes_at(local) if is_open else None,
            None if is_open else plan.next_open(local))


def nearest(session: Session, clock: Clock, lat: float, lon: float, *, limit: int = 3, open_only: bool = False,
            service: str | None = None, located_by: str = "coordinates", place: str = "") -> Nearest:
    """The `limit` nearest active halls, nearest first (ties by hall id)."""
    check_location(lat, lon)
    if not 1 <= limit <= MAX_RESULTS:
        raise Invalid("invalid_limit", f"数量应在 1 到 {MAX_RESULTS} 之间。", f"limit must be 1..{MAX_RESULTS}")
    measured = sorted(((haversine_m(lat, lon, h.lat, h.lon), h.id, h)
                       for h in session.scalars(select(Hall).where(Hall.active.is_(True)))),
                      key=lambda row: row[:2])
    near = bool(measured) and measured[0][0] <= NEAR_M
    found = []
    for distance, _, hall in measured:
        if service and service not in hall.services:
            continue
        is_open, today, closes, opens = status(hall, clock)
        if open_only and not is_open:
            continue
        walk_m, walk_min = walking(distance)
        found.append(Found(hall, round(distance), walk_m, walk_min, is_open, today, closes, opens))
        if len(found) == limit:
            break
    return Nearest(lat, lon, found, near, located_by, place)


def nearest_to_address(session: Session, clock: Clock, address: str, **options) -> Nearest:
    """The halls nearest to the centre of the address's district (districts.py)."""
    where = districts.locate(address)
    return nearest(session, clock, where.lat, where.lon, located_by="district",
                   place=f"{where.city}{where.district}", **options)
