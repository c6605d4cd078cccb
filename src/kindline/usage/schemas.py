"""The usage API's shapes: records in (as the network sends them), the report out."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field, RootModel

MAX_RECORDS_PER_CALL = 10_000


class UsageRecordIn(BaseModel):
    record_id: str = Field(min_length=1, max_length=64)
    msisdn: str = Field(min_length=5, max_length=20)
    kind: Literal["voice", "sms", "data"]
    started_at: AwareDatetime
    quantity: int = Field(ge=0, description="秒、条或字节")
    peer: str | None = Field(default=None, max_length=32)


class UsageBatchIn(RootModel[list[UsageRecordIn]]):
    root: list[UsageRecordIn] = Field(min_length=1, max_length=MAX_RECORDS_PER_CALL)


class Rejected(BaseModel):
    record_id: str | None
    code: str
    message: str


class RatingReportRead(BaseModel):
    rated: int = Field(description="本次新计费的记录数")
    duplicates: int = Field(description="此前已计费、本次跳过的记录数")
    charged_fen: int
    rejected: list[Rejected]


class AllowanceRead(BaseModel):
    kind: Literal["voice", "sms", "data"]
    total: int
    used: int
    remaining: int
    percent_used: int
    upgrades: int
    at: datetime | None = None
