"""The audit trail: who saw or changed what, when and why (unmasking personal
data always writes here)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from kindline.core.clock import Clock
from kindline.core.db import Base, UTCDateTime


class AuditRecord(Base):
    __tablename__ = "audit_records"
    __table_args__ = (Index("ix_audit_subject", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    action: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int]
    reason: Mapped[str] = mapped_column(String(500))


def record(session: Session, clock: Clock, *, actor_id: int | None, action: str,
           subject_type: str, subject_id: int, reason: str) -> AuditRecord:
    entry = AuditRecord(at=clock.now(), actor_id=actor_id, action=action,
                        subject_type=subject_type, subject_id=subject_id, reason=reason)
    session.add(entry)
    return entry


def records_for(session: Session, subject_type: str, subject_id: int) -> list[AuditRecord]:
    stmt = (select(AuditRecord)
            .where(AuditRecord.subject_type == subject_type, AuditRecord.subject_id == subject_id)
            .order_by(AuditRecord.id))
    return list(session.scalars(stmt))
