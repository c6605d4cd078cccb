"""Who is asking: a staff member or a signed-in subscriber."""

from __future__ import annotations

from dataclasses import dataclass, field

from kindline.core.errors import Forbidden


@dataclass(frozen=True)
class Principal:
    kind: str  # "staff" or "subscriber"
    id: int  # staff user id, or customer id
    name: str
    permissions: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_staff(self) -> bool:
        return self.kind == "staff"

    @property
    def staff_id(self) -> int | None:
        return self.id if self.is_staff else None

    @property
    def label(self) -> str:
        """"staff:3" or "subscriber:12": how records name who acted."""
        return f"{self.kind}:{self.id}"

    def can(self, permission: str) -> bool:
        return self.is_staff and permission in self.permissions

    def require(self, permission: str) -> None:
        if not self.can(permission):
            raise Forbidden("not_allowed", "您没有权限进行此操作。", f"permission {permission} required",
                            {"permission": permission})

    def require_customer(self, customer_id: int, permission: str) -> None:
        """A subscriber may touch only their own record; staff need the permission."""
        if self.kind == "subscriber":
            if self.id != customer_id:
                raise Forbidden("not_allowed", "只能查看本人的信息。", "subscribers see only their own data")
            return
        self.require(permission)


def actor_label(principal: Principal | None) -> str:
    """Who acted, for histories and ledgers; "system" when no one signed in did."""
    return principal.label if principal else "system"
