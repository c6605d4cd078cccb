"""One demo staff account per role, so every screen can be tried with the
permissions it is meant for. The password is the username: this is a demo,
and `kindline run` prints them all."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from kindline.core.auth.permissions import ROLE_NAMES_ZH, ROLES
from kindline.core.auth.principal import Principal
from kindline.core.auth.service import create_staff, staff_principal
from kindline.core.clock import Clock

# Display names as they appear on the console and on orders (首问负责人).
_DISPLAY_NAMES = {
    "agent": "李晓燕",
    "hall_clerk": "陈静",
    "care_specialist": "周爱华",
    "complaint_handler": "孙立新",
    "technician": "刘建军",
    "supervisor": "赵敏",
    "inspector": "钱卫东",
    "admin": "王磊",
}


@dataclass(frozen=True)
class DemoStaff:
    username: str
    password: str
    role: str
    display_name: str

    @property
    def role_zh(self) -> str:
        return ROLE_NAMES_ZH.get(self.role, self.role)


def demo_staff() -> list[DemoStaff]:
    """Every role, in the order the permissions module lists them."""
    return [DemoStaff(role, role, role, _DISPLAY_NAMES.get(role, ROLE_NAMES_ZH.get(role, role))) for role in ROLES]


def create_demo_staff(session: Session, clock: Clock) -> dict[str, Principal]:
    """Create the accounts; returns each role's principal, to act as that staff member."""
    return {member.role: staff_principal(create_staff(session, clock, member.username, member.password,
                                                      [member.role], member.display_name))
            for member in demo_staff()}
