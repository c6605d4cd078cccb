"""Portal sign-in by a one-time SMS code.

A code is valid 5 minutes and allows 5 tries; a number may ask for at most 5
codes an hour. Only a keyed hash of the code is stored, and the code leaves
through the outbox like every other SMS.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kindline.core import sms
from kindline.core.clock import Clock
from kindline.core.errors import Invalid, NotFound, TooMany, Unauthenticated
from kindline.customers import service as customers
from kindline.customers.models import Customer, SignInCode
from kindline.customers.phone import normalize_mobile

CODE_TTL = timedelta(minutes=5)
MAX_TRIES = 5
MAX_CODES_PER_HOUR = 5


def _digest(secret: str, phone: str, code: str) -> str:
    return hmac.new(secret.encode(), f"{phone}:{code}".encode(), hashlib.sha256).hexdigest()


def request_code(session: Session, clock: Clock, secret: str, phone: str) -> None:
    """Send a code to a subscriber's number. Unknown numbers get a clear refusal:
    the portal is for subscribers, and the number is not secret to its holder."""
    phone = normalize_mobile(phone)
    if customers.by_phone(session, phone) is None:
        raise NotFound("subscriber_not_found", "该号码不是本网实名用户，无法登录。", "no subscriber holds this number")
    now = clock.now()
    recent = session.scalar(select(func.count()).select_from(SignInCode).where(
        SignInCode.phone == phone, SignInCode.created_at > now - timedelta(hours=1))) or 0
    if recent >= MAX_CODES_PER_HOUR:
        raise TooMany("too_many_codes", "验证码获取过于频繁，请一小时后再试。", "at most 5 codes an hour per number")
    code = f"{secrets.randbelow(10**6):06d}"
    session.add(SignInCode(phone=phone, code_hash=_digest(secret, phone, code), created_at=now,
                           expires_at=now + CODE_TTL, attempts=0))
    sms.send(session, clock, phone, f"【示范通信】您的登录验证码是{code}，5分钟内有效，请勿告诉他人。")


def verify_code(session: Session, clock: Clock, secret: str, phone: str, code: str) -> Customer:
    """The subscriber, when the newest live code matches. Each wrong try counts;
    after 5 the code is dead. The caller must commit even on failure."""
    phone = normalize_mobile(phone)
    if not (code or "").strip().isdigit():
        raise Invalid("invalid_code", "请输入6位数字验证码。", "code must be digits")
    now = clock.now()
    current = session.scalars(select(SignInCode).where(
        SignInCode.phone == phone, SignInCode.used_at.is_(None)).order_by(SignInCode.id.desc())).first()
    if current is None or current.expires_at <= now or current.attempts >= MAX_TRIES:
        raise Unauthenticated("code_expired", "验证码已失效，请重新获取。", "no live code for this number")
    current.attempts += 1
    if not hmac.compare_digest(current.code_hash, _digest(secret, phone, code.strip())):
        left = MAX_TRIES - current.attempts
        raise Unauthenticated("wrong_code", f"验证码错误，还可尝试{left}次。" if left else "验证码错误次数过多，请重新获取。",
                              "wrong code", {"tries_left": left})
    current.used_at = now
    customer = customers.by_phone(session, phone)
    if customer is None:
        raise Unauthenticated("code_expired", "验证码已失效，请重新获取。", "subscriber no longer holds this number")
    return customer
