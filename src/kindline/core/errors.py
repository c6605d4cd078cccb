"""Typed domain errors. Each becomes a 4xx answer with a stable machine code,
a Chinese message for people and an English one for logs."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status = 400

    def __init__(self, code: str, message: str, message_en: str, detail: Any = None) -> None:
        super().__init__(message_en)
        self.code = code
        self.message = message
        self.message_en = message_en
        self.detail = detail

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "message_en": self.message_en, "detail": self.detail}


class Invalid(DomainError):
    status = 422


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    status = 409


class Forbidden(DomainError):
    status = 403


class Unauthenticated(DomainError):
    status = 401


class TooMany(DomainError):
    status = 429


def not_found(thing: str, thing_zh: str, key: Any) -> NotFound:
    """The one shape of 'no such thing' used by every domain."""
    return NotFound(f"{thing}_not_found", f"找不到该{thing_zh}。", f"{thing} {key!r} not found", {"id": key})
