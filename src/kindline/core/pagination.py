"""Offset pagination shared by every listing endpoint and page."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")
MAX_LIMIT = 200


class PageParams(BaseModel):
    limit: int = 20
    offset: int = 0


def page_params(limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
                offset: Annotated[int, Query(ge=0)] = 0) -> PageParams:
    return PageParams(limit=limit, offset=offset)


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


def paginate(session: Session, stmt: Select, params: PageParams) -> tuple[list, int]:
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = list(session.scalars(stmt.limit(params.limit).offset(params.offset)))
    return rows, total
