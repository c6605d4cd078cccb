"""POST /api/v1/usage: the network's mediation system hands over rated-to-be
records, up to 10,000 a call, all in one transaction. Resending a call is safe:
record ids already rated are counted as duplicates and charge nothing."""

from __future__ import annotations

from fastapi import APIRouter

from kindline.core.auth.permissions import USAGE_WRITE
from kindline.core.deps import Caller, CurrentClock, DbSession
from kindline.usage import ingest, service
from kindline.usage.schemas import RatingReportRead, Rejected, UsageBatchIn

router = APIRouter(prefix="/api/v1", tags=["usage"])


@router.post("/usage", response_model=RatingReportRead)
def post_usage(body: UsageBatchIn, session: DbSession, clock: CurrentClock, caller: Caller):
    caller.require(USAGE_WRITE)
    rows = [record.model_dump(mode="json") for record in body.root]
    report = service.rate_in(session, clock, ingest.from_rows(rows), source="api")
    return RatingReportRead(rated=report.rated, duplicates=report.duplicates, charged_fen=report.charged_fen,
                            rejected=[Rejected(record_id=rid, code=code, message=ingest.REASONS_ZH[code])
                                      for rid, code in report.rejected])
