"""Money is integer fen (1 yuan = 100 fen), never float."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from kindline.core.errors import Invalid


def yuan(fen: int) -> str:
    """98.00 for 9800; negative balances keep their sign."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole}.{cents:02d}"


MAX_YUAN = Decimal(10) ** 12  # beyond any real amount; keeps quantize inside decimal's precision


def parse_yuan(text: str) -> int:
    """'98', '98.5', '98.50' -> fen; at most two decimals."""
    try:
        value = Decimal(str(text).strip())
        if not value.is_finite() or abs(value) >= MAX_YUAN:
            raise InvalidOperation
        exact = value == value.quantize(Decimal("0.01"))
    except InvalidOperation as exc:  # also "Infinity", "NaN" and "1e400"
        raise Invalid("invalid_amount", "金额格式不正确。", f"not an amount: {text!r}") from exc
    if not exact:
        raise Invalid("invalid_amount", "金额最多两位小数。", f"more than two decimals: {text!r}")
    return int((value * 100).to_integral_value(rounding=ROUND_HALF_UP))
