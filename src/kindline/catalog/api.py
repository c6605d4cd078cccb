"""REST endpoints of the catalog: public reading, staff loading."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Body, Query

from kindline.catalog import loader, service
from kindline.catalog.schemas import LoadReportRead, ProductRead
from kindline.core.auth.permissions import CATALOG_WRITE
from kindline.core.deps import Caller, CurrentClock, DbSession

router = APIRouter(prefix="/api/v1/products", tags=["catalog"])


@router.get("", response_model=list[ProductRead])
def list_products(session: DbSession, clock: CurrentClock, kind: str | None = None, line_kind: str | None = None,
                  prefix: Annotated[str | None, Query(description="code prefix, e.g. STORE- for the TV store")] = None,
                  on: Annotated[date | None, Query(description="the day the prices apply (default today)")] = None):
    """The catalog in force on a day: public, as a price list on a hall's wall."""
    day = on or clock.today()
    return [ProductRead.of(p, v) for p, v in service.catalog_on(session, day, kind=kind, line_kind=line_kind,
                                                                  prefix=prefix)]


@router.get("/{code}", response_model=ProductRead)
def get_product(code: str, session: DbSession, clock: CurrentClock, on: date | None = None):
    product, version = service.offer(session, code, on or clock.today())
    return ProductRead.of(product, version)


@router.post("/load", response_model=LoadReportRead)
def load_catalog(session: DbSession, clock: CurrentClock, caller: Caller,
                 yaml_text: Annotated[str, Body(media_type="application/yaml")]):
    """Load a YAML catalog (the format of `kindline catalog load`)."""
    caller.require(CATALOG_WRITE)
    report = loader.load(session, clock, yaml_text)
    return LoadReportRead(products_added=report.products_added, versions_added=report.versions_added,
                          versions_updated=report.versions_updated, unchanged=report.unchanged)
