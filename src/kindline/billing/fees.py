"""Fees: what a product on a line costs in a cycle. The one place for the rule,
used by the cycle start (cycles.py) and by a sale in the middle of a cycle
(order_charges.py), so both always agree.

The demo operator's rules, as Chinese operators run prepaid accounts:
- A monthly product costs its pinned version's price, taken from the balance
  at the start of each cycle (月租, local 00:00 on the 1st).
- Started during a cycle, the first month is charged by day (首月按日折算):
  price x days left in the month (the day of subscription included) / days in
  the month, rounded half up to the fen, taken when it is sold. Ending during a
  cycle gives nothing back (当月退订不退费): that month was paid in advance.
- A service change (套餐变更) costs nothing more that month: the old plan's
  month is paid; the new plan is charged from the next cycle.
- A bundled product is free while its customer holds the product bundling it
  (terms["bundled"]): the 98 plan's 100M broadband is a line of its own in the
  demo, the 300M broadband's IPTV sits on the same line. Each holding of the
  bundling product covers one holding of each bundled product, preferring one
  on its own line, then the oldest.
- A one-off product costs its price once, when sold. The auto-upgrade pack is
  charged per trigger by rating, and a recharge product is money in (a
  payment), so neither is a fee.
- A secondary card is a line of the holder, so its 10 yuan is the holder's.
- Points: points_per_yuan of the fee's version for each whole yuan paid.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from kindline.billing import points, service
from kindline.billing.models import BillingAccount, Fee
from kindline.catalog.models import ProductVersion
from kindline.core import cycles
from kindline.core.bulk import chunked
from kindline.core.clock import Clock
from kindline.core.db import is_postgres
from kindline.customers.models import Line, LineProduct

BASIS_NAMES = {
    "month": "月租", "prorata": "首月按日折算", "once": "一次性费用", "bundled": "套餐赠送",
    "points": "积分兑换", "changed": "套餐变更当月免收",
}
NOT_A_FEE_KINDS = frozenset({"recharge_card"})  # money in, booked as a payment
INSERT_ROWS = 500


@dataclass(frozen=True)
class Holding:
    """A product on a line, as much as charging needs (no ORM rows kept)."""

    line_product_id: int
    line_id: int
    customer_id: int
    code: str
    version: ProductVersion
    started_at: datetime


@dataclass(frozen=True)
class Charge:
    holding: Holding
    amount_fen: int
    basis: str

    @property
    def points(self) -> int:
        return points_for(self.amount_fen, self.holding.version) if self.basis in ("month", "prorata", "once") else 0


def points_for(amount_fen: int, version: ProductVersion) -> int:
    return amount_fen // 100 * (version.points_per_yuan or 0)


def first_month_fen(clock: Clock, cycle: str, price_fen: int, started_at: datetime) -> int:
    """首月按日折算: the price for the days from the start day to the cycle's end."""
    start, end = cycles.bounds(clock, cycle)
    if started_at <= start:
        return price_fen
    days_in_month = (end.date() - start.date()).days
    days_held = (end.date() - clock.local(started_at).date()).days
    return (2 * price_fen * days_held + days_in_month) // (2 * days_in_month)


def monthly_charge(clock: Clock, cycle: str, holding: Holding, *, bundled: bool, changed: bool = False) -> Charge:
    price = holding.version.price_fen
    if bundled:
        return Charge(holding, 0, "bundled")
    if changed:
        return Charge(holding, 0, "changed")
    amount = first_month_fen(clock, cycle, price, holding.started_at)
    return Charge(holding, amount, "month" if amount == price else "prorata")


def bundled_free(holdings: list[Holding]) -> set[int]:
    """The line products (ids) a bundling product of the same customer covers."""
    free: set[int] = set()
    by_customer: dict[int, list[Holding]] = defaultdict(list)
    for holding in holdings:
        by_customer[holding.customer_id].append(holding)
    for held in by_customer.values():
        for bundler in sorted(held, key=lambda h: h.line_product_id):
            for code in bundler.version.terms.get("bundled") or []:
                candidates = [h for h in held if h.code == code and h.line_product_id not in free]
                if candidates:
                    chosen = min(candidates, key=lambda h: (h.line_id != bundler.line_id, h.line_product_id))
                    free.add(chosen.line_product_id)
    return free


def versions(session: Session, ids: set[int]) -> dict[int, ProductVersion]:
    """Product versions by id, kept for the session (a catalog has a few hundred)."""
    known: dict[int, ProductVersion] = session.info.setdefault("fee_versions", {})
    missing = ids - known.keys()
    for part in chunked(missing):
        for version in session.scalars(select(ProductVersion).where(ProductVersion.id.in_(part))):
            known[version.id] = version
    return {i: known[i] for i in ids}


def holdings(session: Session, clock: Clock, cycle: str, customer_ids: list[int], *,
             at: datetime | None = None) -> list[Holding]:
    """Products held during the cycle on the customers' lines in service: active
    at some moment of it (or, given `at`, active at that moment)."""
    start, end = cycles.bounds(clock, cycle)
    since, until = (at, at) if at is not None else (start, end)
    rows = []
    for part in chunked(customer_ids):
        stmt = (select(LineProduct.id, LineProduct.line_id, Line.customer_id, LineProduct.product_code,
                       LineProduct.product_version_id, LineProduct.started_at)
                .join(Line, Line.id == LineProduct.line_id)
                .where(Line.customer_id.in_(part), Line.status != "cancelled",
                       LineProduct.started_at <= until if at is not None else LineProduct.started_at < until,
                       or_(LineProduct.ended_at.is_(None), LineProduct.ended_at > since))
                .order_by(Line.customer_id, LineProduct.id))
        rows.extend(session.execute(stmt).all())
    found = versions(session, {row.product_version_id for row in rows})
    return [Holding(row.id, row.line_id, row.customer_id, row.product_code, found[row.product_version_id],
                    row.started_at) for row in rows]


def accounts(session: Session, clock: Clock, customer_ids: set[int]) -> dict[int, int]:
    """Account ids by customer id, created on first need."""
    found = {customer_id: account_id for part in chunked(customer_ids) for customer_id, account_id in session.execute(
        select(BillingAccount.customer_id, BillingAccount.id).where(BillingAccount.customer_id.in_(part)))}
    for customer_id in sorted(customer_ids - found.keys()):
        found[customer_id] = service.account_for(session, clock, customer_id).id
    return found


@dataclass
class Booked:
    fees: int = 0  # fee rows written now (zero fees included)
    charged_fen: int = 0
    points: int = 0
    already: int = 0  # charged before (a rerun, or another worker)


def book(session: Session, clock: Clock, cycle: str, charges: list[Charge], *, reference: str,
         actor: str = "system") -> Booked:
    """Write the fees not yet written for (line product, cycle), then take each
    account's new fees from its balance in one ledger entry and grant the
    points. The insert skips keys already there, also a rival's uncommitted
    ones (it waits for them), so only the fees this call wrote are posted."""
    result = Booked()
    if not charges:
        return result
    account_of = accounts(session, clock, {c.holding.customer_id for c in charges})
    by_product = {c.holding.line_product_id: c for c in charges}
    now = clock.now()
    rows = [{"line_product_id": c.holding.line_product_id, "cycle": cycle, "account_id": account_of[c.holding.customer_id],
             "line_id": c.holding.line_id, "product_code": c.holding.code, "product_version_id": c.holding.version.id,
             "list_price_fen": c.holding.version.price_fen, "amount_fen": c.amount_fen, "basis": c.basis,
             "points_earned": c.points, "charged_at": now}
            for c in sorted(charges, key=lambda c: c.holding.line_product_id)]
    dialect = postgresql if is_postgres(session) else sqlite
    written: list[tuple[int, int]] = []
    for start in range(0, len(rows), INSERT_ROWS):
        statement = (dialect.insert(Fee.__table__).values(rows[start:start + INSERT_ROWS])
                     .on_conflict_do_nothing(index_elements=["line_product_id", "cycle"])
                     .returning(Fee.__table__.c.id, Fee.__table__.c.line_product_id))
        written.extend(session.execute(statement).all())
    result.fees, result.already = len(written), len(charges) - len(written)
    totals: dict[int, int] = defaultdict(int)
    lines_of: dict[int, set[int]] = defaultdict(set)
    grants = []
    for fee_id, line_product_id in written:
        charge = by_product[line_product_id]
        account_id = account_of[charge.holding.customer_id]
        totals[account_id] += charge.amount_fen
        lines_of[account_id].add(charge.holding.line_id)
        if charge.points:
            grants.append((account_id, f"fee:{fee_id}", charge.points))
    for account_id in sorted(totals):
        if totals[account_id]:
            only_line = next(iter(lines_of[account_id])) if len(lines_of[account_id]) == 1 else None
            service.post(session, clock, session.get(BillingAccount, account_id), "fee", -totals[account_id],
                         reference=reference, actor=actor, line_id=only_line)
            result.charged_fen += totals[account_id]
    points.grant_many(session, clock, grants)
    result.points = sum(amount for _, _, amount in grants)
    return result
