"""Staff accounts, password checks and signed tokens."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from kindline.core.auth.models import StaffUser
from kindline.core.auth.permissions import ROLES, permissions_for
from kindline.core.auth.principal import Principal
from kindline.core.clock import Clock
from kindline.core.errors import Conflict, Invalid, Unauthenticated

TOKEN_MAX_AGE = 8 * 3600
_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def create_staff(session: Session, clock: Clock, username: str, password: str, roles: list[str],
                 display_name: str | None = None) -> StaffUser:
    unknown = [r for r in roles if r not in ROLES]
    if unknown or not roles:
        raise Invalid("unknown_role", "角色不存在。", f"unknown roles {unknown or roles}", {"known": sorted(ROLES)})
    if len(password) < 4:
        raise Invalid("weak_password", "密码至少 4 位。", "password shorter than 4 characters")
    if session.scalar(select(StaffUser.id).where(StaffUser.username == username)) is not None:
        raise Conflict("duplicate_username", "该用户名已存在。", f"username {username!r} exists")
    user = StaffUser(username=username, display_name=display_name or username, password_hash=hash_password(password),
                     roles=roles, active=True, created_at=clock.now())
    session.add(user)
    session.flush()
    return user


def staff_principal(user: StaffUser) -> Principal:
    return Principal("staff", user.id, user.display_name, permissions_for(user.roles))


def authenticate(session: Session, username: str, password: str) -> StaffUser:
    user = session.scalar(select(StaffUser).where(StaffUser.username == username))
    wrong = Unauthenticated("bad_credentials", "用户名或密码错误。", "wrong username or password")
    if user is None or not user.active:
        _hasher.hash(password)  # same work either way: no user enumeration by timing
        raise wrong
    try:
        _hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        raise wrong from None
    return user


class Tokens:
    """Signed, expiring bearer tokens naming a principal: "staff:12" or "subscriber:5"."""

    def __init__(self, secret: str) -> None:
        self._signer = URLSafeTimedSerializer(secret, salt="kindline-api-token")

    def issue(self, principal: Principal) -> str:
        return self._signer.dumps(principal.label)

    def read(self, token: str) -> tuple[str, int]:
        try:
            subject = self._signer.loads(token, max_age=TOKEN_MAX_AGE)
        except SignatureExpired:
            raise Unauthenticated("token_expired", "登录已过期，请重新登录。", "token expired") from None
        except BadSignature:
            raise Unauthenticated("bad_token", "登录凭证无效。", "token signature invalid") from None
        kind, _, ident = str(subject).partition(":")
        return kind, int(ident)


def load_principal(session: Session, kind: str, ident: int, customer_name) -> Principal:
    """Rebuild the principal from storage so a disabled account stops at once."""
    if kind == "staff":
        user = session.get(StaffUser, ident)
        if user is None or not user.active:
            raise Unauthenticated("bad_token", "登录凭证无效。", "staff account missing or disabled")
        return staff_principal(user)
    name = customer_name(session, ident)
    if name is None:
        raise Unauthenticated("bad_token", "登录凭证无效。", "subscriber missing")
    return Principal("subscriber", ident, name)
