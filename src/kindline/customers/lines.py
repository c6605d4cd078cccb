"""Use cases on lines and the products they hold: open, subscribe, suspend,
transfer, set-top boxes, secondary cards, family numbers and location consent."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from kindline.catalog import eligibility
from kindline.catalog import service as catalog
from kindline.catalog.models import BASE_KINDS, LINE_KINDS, Product, ProductVersion
from kindline.core.clock import Clock
from kindline.core.db import fetch
from kindline.core.errors import Conflict, Invalid, not_found
from kindline.customers import service as customers
from kindline.customers.models import Customer, FamilyNumber, Line, LineProduct, LocationConsent
from kindline.customers.phone import normalize_fixed, normalize_mobile

MAX_FAMILY_NUMBERS = 3
MAX_CONSENT_DAYS = 366
_NUMBER_NORMALIZERS = {"mobile": normalize_mobile, "fixed": normalize_fixed}


def get(session: Session, line_id: int) -> Line:
    return fetch(session, Line, line_id, "line", "号码/业务")


def by_number(session: Session, number: str, kind: str = "mobile") -> Line | None:
    return session.scalar(select(Line).where(Line.kind == kind, Line.number == number))


def active_products(line: Line) -> list[LineProduct]:
    return [p for p in line.products if p.status == "active"]


def held_codes(line: Line) -> list[str]:
    return [p.product_code for p in active_products(line)]


def _bump(line: Line) -> None:
    # An SQL increment, not read-and-write: two changes committed at once must
    # both move the version, or a rater could keep terms older than the last.
    line.terms_version = Line.terms_version + 1


def terms_changed(session: Session, line: Line) -> None:
    """Tell raters that what rating reads of `line` changed: its version moves,
    and its pool's primary's too (a pool's allowance sums its members')."""
    _bump(line)
    if line.primary_line_id is not None:
        primary = session.get(Line, line.primary_line_id)
        if primary is not None:
            _bump(primary)


def _listed_number_changed(session: Session, number: str) -> None:
    """Calls are free both ways: the line whose number is listed (or unlisted)
    as a family number rates differently too."""
    listed = by_number(session, number)
    if listed is not None:
        _bump(listed)


def _require_open(line: Line) -> None:
    if line.status == "cancelled":
        raise Conflict("line_cancelled", "该业务已销户。", f"line {line.id} is cancelled")


def open_line(session: Session, clock: Clock, customer: Customer, *, kind: str, number: str,
              primary: Line | None = None, service_address: str | None = None,
              stb_serial: str | None = None) -> Line:
    if kind not in LINE_KINDS:
        raise Invalid("invalid_line_kind", "业务类型不正确。", f"unknown line kind {kind!r}", {"known": list(LINE_KINDS)})
    normalize = _NUMBER_NORMALIZERS.get(kind)
    number = normalize(number) if normalize else number.strip()
    if not number:
        raise Invalid("invalid_line_number", "请填写业务号码或账号。", "line number required")
    if by_number(session, number, kind) is not None:
        raise Conflict("duplicate_line", "该号码已被占用。", f"{kind} number {number} already exists")
    if primary is not None:
        check_secondary(session, clock, primary, kind)
    line = Line(customer_id=customer.id, kind=kind, number=number, status="active",
                primary_line_id=primary.id if primary else None, service_address=service_address,
                stb_serial=stb_serial, tv_authorization="authorized" if kind == "tv" else None,
                activated_at=clock.now())
    customer.lines.append(line)  # the relationship cascade adds it to the session
    session.flush()
    if primary is not None:
        terms_changed(session, line)  # the pool has a new member
    return line


def check_secondary(session: Session, clock: Clock, primary: Line, kind: str) -> None:
    """Room on the primary line's plan for one more secondary card."""
    if kind != "mobile" or primary.kind != "mobile" or primary.primary_line_id is not None:
        raise Invalid("invalid_secondary_card", "副卡只能挂在主卡手机号码上。", "secondary cards hang on a primary mobile line")
    allowed = max((catalog.version_by_id(session, p.product_version_id).secondary_cards
                   for p in active_products(primary)), default=0)
    taken = session.scalars(select(Line.id).where(Line.primary_line_id == primary.id,
                                                  Line.status != "cancelled")).all()
    if len(taken) >= allowed:
        raise Conflict("secondary_cards_full", f"该主卡套餐最多可办理{allowed}张副卡。",
                       f"primary line allows {allowed} secondary cards", {"allowed": allowed})


def secondary_cards(session: Session, line: Line) -> list[Line]:
    return list(session.scalars(select(Line).where(Line.primary_line_id == line.id).order_by(Line.id)))


def check_offer(session: Session, clock: Clock, customer: Customer, line_kind: str, held: list[str],
                code: str, secondary: bool = False) -> tuple[Product, ProductVersion]:
    """Eligibility of `code` for a holder and a line (existing or about to be
    opened, a secondary card or not) holding `held`, and the version in force."""
    product, version = catalog.offer(session, code, clock.today())
    required = (version.terms.get("eligibility") or {}).get("requires_products") or []
    eligibility.check(product, version, customers.holder_facts(customer, clock), line_kind, held,
                      catalog.names(session, required, clock.today()))
    if code in held:
        raise Conflict("already_subscribed", f"该号码已订购{version.name}。", f"{code} already active on the line")
    if product.kind == "secondary_card" and not secondary:
        raise Conflict("secondary_card_only", "副卡须在主卡下开户办理。", "secondary-card products go on secondary lines")
    if secondary and product.kind in BASE_KINDS:
        raise Conflict("secondary_shares_plan", "副卡共享主卡套餐，不能单独办理套餐。", "secondary lines share the primary plan")
    if product.kind in BASE_KINDS and any(p.kind in BASE_KINDS for p in _products(session, held)):
        raise Conflict("plan_exists", "该业务已有套餐，请办理套餐变更。", "line already has a base product; use service_change")
    return product, version


def check_change(session: Session, clock: Clock, line: Line, code: str) -> tuple[Product, ProductVersion]:
    """A service change to base product `code`: its eligibility without the old
    base product, and room for the secondary cards already on the line."""
    product, version = catalog.offer(session, code, clock.today())
    if product.kind not in BASE_KINDS:
        raise Invalid("not_a_plan", "套餐变更只能选择套餐类产品。", f"{code} is not a base product")
    base = [p.code for p in _products(session, held_codes(line)) if p.kind in BASE_KINDS]
    if code in base:
        raise Conflict("already_subscribed", "该号码已是此套餐。", f"{code} already active")
    cards = [c for c in secondary_cards(session, line) if c.status != "cancelled"]
    if len(cards) > version.secondary_cards:
        raise Conflict("secondary_cards_exceed", f"新套餐最多支持{version.secondary_cards}张副卡，请先办理副卡销户。",
                       f"{len(cards)} secondary cards, {code} allows {version.secondary_cards}")
    others = [c for c in held_codes(line) if c not in base]
    stranded = [c for c in _dependants(session, line, set(base))
                if code not in ((catalog.offer(session, c, clock.today())[1].terms.get("eligibility") or {})
                                .get("requires_products") or [])]
    _refuse_dependants(stranded, base)
    if len(line.family_numbers) > version.family_slots:
        raise Conflict("family_numbers_exceed", f"新套餐最多{version.family_slots}个亲情号，请先删除多余的亲情号。",
                       f"{len(line.family_numbers)} family numbers, {code} allows {version.family_slots}")
    owner = customers.get(session, line.customer_id)
    return check_offer(session, clock, owner, line.kind, others, code, line.primary_line_id is not None)


def _products(session: Session, codes: list[str]) -> list[Product]:
    if not codes:
        return []
    return list(session.scalars(select(Product).where(Product.code.in_(codes))))


def subscribe(session: Session, clock: Clock, line: Line, code: str, order_id: int | None = None) -> LineProduct:
    _require_open(line)
    owner = customers.get(session, line.customer_id)
    _product, version = check_offer(session, clock, owner, line.kind, held_codes(line), code,
                                    secondary=line.primary_line_id is not None)
    held = LineProduct(line_id=line.id, product_code=code, product_version_id=version.id, status="active",
                       started_at=clock.now(), order_id=order_id)
    line.products.append(held)
    terms_changed(session, line)
    session.flush()
    return held


def _dependants(session: Session, line: Line, codes: set[str]) -> list[str]:
    """Active products on the line that require one of `codes` (e.g. 欢孝包 needs 欢孝卡)."""
    found = []
    for held in active_products(line):
        if held.product_code in codes:
            continue
        terms = catalog.version_by_id(session, held.product_version_id).terms
        if set((terms.get("eligibility") or {}).get("requires_products") or []) & codes:
            found.append(held.product_code)
    return found


def _refuse_dependants(dependants: list[str], codes) -> None:
    if dependants:
        raise Conflict("product_required_by_others", "请先退订依赖此产品的附加业务。",
                       f"{sorted(codes)} required by {dependants}", {"dependants": dependants})


def unsubscribe(session: Session, clock: Clock, line: Line, code: str) -> LineProduct:
    held = next((p for p in active_products(line) if p.product_code == code), None)
    if held is None:
        raise Conflict("not_subscribed", "该号码未订购此产品。", f"{code} is not active on line {line.id}")
    _refuse_dependants(_dependants(session, line, {code}), {code})
    held.status, held.ended_at = "ended", clock.now()
    terms_changed(session, line)
    return held


def change_plan(session: Session, clock: Clock, line: Line, code: str, order_id: int | None = None) -> LineProduct:
    """Swap the line's base product: the new one is checked before the old one ends."""
    check_change(session, clock, line, code)
    for old in _products(session, held_codes(line)):
        if old.kind in BASE_KINDS:
            held = next(p for p in active_products(line) if p.product_code == old.code)
            held.status, held.ended_at = "ended", clock.now()
    session.flush()
    return subscribe(session, clock, line, code, order_id)


def suspend(line: Line, reason: str) -> None:
    _require_open(line)
    if reason not in ("arrears", "request"):
        raise Invalid("invalid_suspend_reason", "停机原因不正确。", f"unknown suspend reason {reason!r}")
    line.status, line.suspend_reason = "suspended", reason


def resume(line: Line) -> None:
    _require_open(line)
    line.status, line.suspend_reason = "active", None


def cancel(session: Session, clock: Clock, line: Line) -> None:
    _require_open(line)
    for card in secondary_cards(session, line):
        if card.status != "cancelled":
            cancel(session, clock, card)
    for held in active_products(line):
        held.status, held.ended_at = "ended", clock.now()
    line.status, line.cancelled_at = "cancelled", clock.now()
    terms_changed(session, line)
    for consent in active_consents(session, clock, line):
        consent.withdrawn_at = clock.now()


def check_transfer(session: Session, clock: Clock, line: Line, holder: customers.HolderFacts) -> None:
    """过户: every product on the line must suit the new holder (欢孝卡 needs 65+)."""
    _require_open(line)
    if holder.customer_id == line.customer_id:
        raise Invalid("same_owner", "新机主与原机主相同。", "new owner is the current owner")
    for held in active_products(line):
        product, version = catalog.offer(session, held.product_code, clock.today())
        others = [c for c in held_codes(line) if c != held.product_code]
        eligibility.check(product, version, holder, line.kind, others)


def transfer(session: Session, clock: Clock, line: Line, new_owner: Customer) -> None:
    check_transfer(session, clock, line, customers.holder_facts(new_owner, clock))
    line.customer_id = new_owner.id
    terms_changed(session, line)
    for card in secondary_cards(session, line):
        card.customer_id = new_owner.id
        terms_changed(session, card)
    for consent in active_consents(session, clock, line):
        consent.withdrawn_at = clock.now()


def set_tv_authorization(line: Line, state: str, stb_serial: str | None = None) -> None:
    _require_open(line)
    if line.kind != "tv":
        raise Invalid("not_a_tv_line", "只有电视业务才有机顶盒授权。", "set-top box authorization needs a tv line")
    if stb_serial is not None:
        if not stb_serial.strip():
            raise Invalid("invalid_stb_serial", "请填写机顶盒序列号。", "set-top box serial required")
        line.stb_serial = stb_serial.strip()
    line.tv_authorization = state


def family_slots(session: Session, line: Line) -> int:
    return max((catalog.version_by_id(session, p.product_version_id).family_slots for p in active_products(line)),
               default=0)


def add_family_number(session: Session, clock: Clock, line: Line, number: str, relation: str) -> FamilyNumber:
    _require_open(line)
    slots = min(MAX_FAMILY_NUMBERS, family_slots(session, line))
    if slots == 0:
        raise Conflict("no_family_slots", "该号码的套餐不含亲情号，请先办理欢孝卡。", "no plan with family numbers on this line")
    number = normalize_mobile(number)
    if number == line.number:
        raise Invalid("family_number_self", "亲情号不能是本机号码。", "a line cannot be its own family number")
    if any(f.number == number for f in line.family_numbers):
        raise Conflict("duplicate_family_number", "该亲情号已添加。", f"{number} already a family number")
    if len(line.family_numbers) >= slots:
        raise Conflict("family_numbers_full", f"亲情号最多{slots}个。", f"at most {slots} family numbers")
    entry = FamilyNumber(line_id=line.id, number=number, relation=relation.strip() or "家人", added_at=clock.now())
    line.family_numbers.append(entry)
    terms_changed(session, line)
    _listed_number_changed(session, number)
    return entry


def remove_family_number(session: Session, line: Line, number: str) -> None:
    entry = next((f for f in line.family_numbers if f.number == number), None)
    if entry is None:
        raise not_found("family_number", "亲情号", number)
    line.family_numbers.remove(entry)
    session.delete(entry)
    terms_changed(session, line)
    _listed_number_changed(session, number)


def active_consents(session: Session, clock: Clock, line: Line) -> list[LocationConsent]:
    stmt = select(LocationConsent).where(LocationConsent.line_id == line.id, LocationConsent.withdrawn_at.is_(None),
                                         LocationConsent.expires_at > clock.now())
    return list(session.scalars(stmt.order_by(LocationConsent.id)))


def grant_location_consent(session: Session, clock: Clock, line: Line, viewer: str, days: int) -> LocationConsent:
    _require_open(line)
    viewer = normalize_mobile(viewer)
    if viewer not in {f.number for f in line.family_numbers}:
        raise Conflict("viewer_not_family", "只能授权给已登记的亲情号查看位置。", "viewer must be a family number")
    if not 1 <= days <= MAX_CONSENT_DAYS:
        raise Invalid("invalid_consent_days", "授权期限须在1到366天之间。", "consent lasts 1..366 days")
    for old in active_consents(session, clock, line):
        if old.viewer_number == viewer:
            old.withdrawn_at = clock.now()
    consent = LocationConsent(line_id=line.id, viewer_number=viewer, granted_at=clock.now(),
                              expires_at=clock.now() + timedelta(days=days))
    session.add(consent)
    session.flush()
    return consent


def withdraw_location_consent(session: Session, clock: Clock, line: Line, consent_id: int) -> LocationConsent:
    consent = session.get(LocationConsent, consent_id)
    if consent is None or consent.line_id != line.id:
        raise not_found("consent", "位置授权", consent_id)
    if consent.withdrawn_at is None:
        consent.withdrawn_at = clock.now()
    return consent


def may_view_location(session: Session, clock: Clock, line: Line, viewer: str) -> bool:
    return any(c.viewer_number == viewer for c in active_consents(session, clock, line))
