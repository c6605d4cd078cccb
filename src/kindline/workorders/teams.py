"""Which team does the work: the customer's city's field crew or complaint
desk, or the province's green-channel special team."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from kindline.workorders.models import Team, TeamMember
from kindline.workorders.types import FIELD_TYPES

TEAM_KINDS = {"field": "装维班组", "complaint": "投诉处理组", "green": "绿色通道专班"}


def kind_for(order_type: str, green: bool) -> str:
    if green:
        return "green"
    return "field" if order_type in FIELD_TYPES else "complaint"


def for_work(session: Session, order_type: str, city: str | None, green: bool) -> Team | None:
    """The city's own team of the right kind, else a province-wide one."""
    kind = kind_for(order_type, green)
    teams = session.scalars(select(Team).where(Team.kind == kind).order_by(Team.id)).all()
    local = [t for t in teams if t.city == city]
    wide = [t for t in teams if t.city is None]
    return (local or wide or [None])[0]


def all_teams(session: Session) -> list[Team]:
    return list(session.scalars(select(Team).order_by(Team.city, Team.name)))


def by_code(session: Session, code: str) -> Team | None:
    return session.scalar(select(Team).where(Team.code == code))


def ensure(session: Session, code: str, name: str, kind: str, city: str | None,
           supervisor_id: int | None = None, members: tuple[int, ...] = ()) -> Team:
    """Create or update a team and add members (the demo and tests set teams up this way)."""
    if kind not in TEAM_KINDS:
        raise ValueError(f"unknown team kind {kind!r}")
    team = by_code(session, code)
    if team is None:
        team = Team(code=code, name=name, kind=kind, city=city)
        session.add(team)
    team.name, team.kind, team.city = name, kind, city
    team.supervisor_id = supervisor_id or team.supervisor_id
    session.flush()
    have = set(session.scalars(select(TeamMember.staff_id).where(TeamMember.team_id == team.id)))
    for staff_id in members:
        if staff_id not in have:
            session.add(TeamMember(team_id=team.id, staff_id=staff_id))
    session.flush()
    return team


def member_ids(session: Session, team_id: int) -> list[int]:
    return list(session.scalars(select(TeamMember.staff_id).where(TeamMember.team_id == team_id)))


def teams_of(session: Session, staff_id: int) -> list[Team]:
    return list(session.scalars(select(Team).join(TeamMember, TeamMember.team_id == Team.id)
                                .where(TeamMember.staff_id == staff_id)))
