"""REST endpoints for what a line's holder reads about their money: bills,
detailed records (详单, also as CSV) and points, and redeeming points.

Who may see what is billing.service.line_for: the subscriber their own lines,
staff with billing:read (detailed records: records:read; redeeming: orders:write).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Response

from kindline.billing import bills, order_charges, points, redemption, service
from kindline.billing.statement_schemas import (
    BillRead,
    PointsRead,
    RecordRead,
    RecordsPage,
    RedemptionIn,
    RedemptionRead,
)
from kindline.core.auth.permissions import BILLING_READ, RECORDS_READ
from kindline.core.deps import Caller, CurrentClock, DbSession

router = APIRouter(prefix="/api/v1/lines/{msisdn}", tags=["statements"])
Cycle = Annotated[str | None, Query(max_length=7, description="YYYY-MM")]


def _account_id(session, line) -> int | None:
    account = service.find_account(session, line.customer_id)
    return account.id if account else None


@router.get("/bills", response_model=BillRead)
def line_bill(msisdn: str, session: DbSession, clock: CurrentClock, caller: Caller, cycle: Cycle = None):
    """The bill of the line's holder for a cycle (default: the last closed one)."""
    line = service.line_for(session, caller, msisdn, BILLING_READ)
    return BillRead.of(bills.bill_for(session, clock, _account_id(session, line), cycle or bills.last_closed(clock)))


@router.get("/records", response_model=RecordsPage)
def line_records(msisdn: str, session: DbSession, clock: CurrentClock, caller: Caller, cycle: Cycle = None,
                 kind: Annotated[str | None, Query(max_length=5)] = None,
                 page: Annotated[int, Query(ge=1)] = 1,
                 size: Annotated[int, Query(ge=1, le=bills.MAX_PAGE_SIZE)] = 50):
    """详单: the line's records in a cycle (default: the current one), oldest first."""
    line = service.line_for(session, caller, msisdn, RECORDS_READ)
    cycle = cycle or bills.cycles.current(clock)
    rows, total = bills.records_page(session, clock, line, cycle, kind, page, size)
    return RecordsPage(cycle=cycle, items=[RecordRead.of(bills.RecordRow.of(clock, r)) for r in rows], total=total,
                       page=page, size=size)


@router.get("/records.csv", response_class=Response,
            responses={200: {"content": {"text/csv": {}}, "description": "UTF-8 with BOM"}})
def line_records_csv(msisdn: str, session: DbSession, clock: CurrentClock, caller: Caller, cycle: Cycle = None,
                     kind: Annotated[str | None, Query(max_length=5)] = None):
    line = service.line_for(session, caller, msisdn, RECORDS_READ)
    cycle = cycle or bills.cycles.current(clock)
    text = bills.records_csv(session, clock, line, cycle, kind)
    return Response(text, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="records-{cycle}.csv"', "Cache-Control": "no-store"})


@router.get("/points", response_model=PointsRead)
def line_points(msisdn: str, session: DbSession, clock: CurrentClock, caller: Caller):
    line = service.line_for(session, caller, msisdn, BILLING_READ)
    return PointsRead.of(points.view(session, clock, _account_id(session, line)))


@router.post("/points/redemptions", response_model=RedemptionRead, status_code=201,
             responses={200: {"description": "a replay of an earlier redemption with the same key"}})
def redeem_points(msisdn: str, body: RedemptionIn, response: Response, session: DbSession, clock: CurrentClock,
                  caller: Caller, idempotency_key: Annotated[str, Header(alias="Idempotency-Key", max_length=128)]):
    """积分兑换: a product order paid with points, through the orders service."""
    order, replayed = redemption.redeem(session, clock, caller, msisdn, body.product_code, idempotency_key,
                                        body.channel)
    if replayed:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    spent = order_charges.redemption_of(session, order.id)
    account = service.find_account(session, order.customer_id)
    return RedemptionRead(order_id=order.id, order_status=order.status, product_code=body.product_code.strip(),
                          points_spent=spent.points if spent else 0,
                          points_balance=points.balance(session, clock, account.id if account else None))
