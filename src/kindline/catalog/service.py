"""Catalog look-ups: which version of a product is in force on a day."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from kindline.catalog.models import Product, ProductVersion
from kindline.core.db import fetch
from kindline.core.errors import not_found


def get_product(session: Session, code: str) -> Product:
    """A product with its versions. Codes already seen in this session come
    from the identity map: eligibility asks about the same few products often."""
    known: dict[str, int] = session.info.setdefault("product_ids", {})
    if code in known and (product := session.get(Product, known[code])) is not None:
        return product
    product = session.scalar(select(Product).where(Product.code == code).options(selectinload(Product.versions)))
    if product is None:
        raise not_found("product", "产品", code)
    known[code] = product.id
    return product


def version_on(product: Product, day: date) -> ProductVersion:
    """The latest version whose effective_from is on or before `day`."""
    in_force = [v for v in product.versions if v.effective_from <= day]
    if not in_force:
        raise not_found("product", "在售产品", product.code)
    return in_force[-1]


def offer(session: Session, code: str, day: date) -> tuple[Product, ProductVersion]:
    product = get_product(session, code)
    return product, version_on(product, day)


def catalog_on(session: Session, day: date, *, kind: str | None = None, line_kind: str | None = None,
               prefix: str | None = None) -> list[tuple[Product, ProductVersion]]:
    stmt = select(Product).options(selectinload(Product.versions)).order_by(Product.id)
    if kind:
        stmt = stmt.where(Product.kind == kind)
    if line_kind:
        stmt = stmt.where(Product.line_kind == line_kind)
    if prefix:
        stmt = stmt.where(Product.code.startswith(prefix))
    found = []
    for product in session.scalars(stmt):
        in_force = [v for v in product.versions if v.effective_from <= day]
        if in_force:
            found.append((product, in_force[-1]))
    return found


def names(session: Session, codes: list[str], day: date) -> dict[str, str]:
    """Chinese names of `codes` on a day (for reasons such as 需先订购欢孝卡)."""
    if not codes:
        return {}
    stmt = select(Product).where(Product.code.in_(codes)).options(selectinload(Product.versions))
    return {p.code: in_force[-1].name for p in session.scalars(stmt)
            if (in_force := [v for v in p.versions if v.effective_from <= day])}


def version_by_id(session: Session, version_id: int) -> ProductVersion:
    return fetch(session, ProductVersion, version_id, "product_version", "产品版本")
