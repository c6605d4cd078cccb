"""Eligibility: the one place that decides whether a holder may take a product.

Every channel (hall, hotline, portal, SMS) reaches this function through the
orders and lines services, so each gets the same answer and the same reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from kindline.catalog.models import LINE_KINDS, Product, ProductVersion
from kindline.core.errors import Conflict


class Holder(Protocol):
    age: int
    segments: tuple[str, ...]


def _refuse(reason: str, reason_en: str, product: Product, rule: str) -> Conflict:
    return Conflict("ineligible_product", reason, reason_en, {"product": product.code, "rule": rule})


def check(product: Product, version: ProductVersion, holder: Holder, line_kind: str,
          held_codes: Iterable[str], names: dict[str, str] | None = None) -> None:
    """Raise `ineligible_product` (409) with the reason in plain Chinese, or return."""
    if product.line_kind != line_kind:
        raise _refuse(f"{version.name}只能办理在{LINE_KINDS[product.line_kind]}业务上。",
                      f"{product.code} attaches to {product.line_kind} lines, not {line_kind}", product, "line_kind")
    rules = version.terms.get("eligibility") or {}
    min_age = rules.get("min_age")
    if min_age is not None and holder.age < min_age:
        raise _refuse(f"{version.name}仅限{min_age}周岁及以上的实名用户办理，该用户现年{holder.age}周岁。",
                      f"{product.code} needs a holder aged {min_age}+, holder is {holder.age}", product, "min_age")
    required = rules.get("requires_products") or []
    if required and not set(required) & set(held_codes):
        wanted = "或".join((names or {}).get(code, code) for code in required)
        raise _refuse(f"办理{version.name}需先订购{wanted}。",
                      f"{product.code} requires one of {required} on the line", product, "requires_products")
    segments_any = rules.get("segments_any") or []
    if segments_any and not set(segments_any) & set(holder.segments):
        raise _refuse(f"{version.name}仅限特定客户群体办理。",
                      f"{product.code} requires one of segments {segments_any}", product, "segments_any")
