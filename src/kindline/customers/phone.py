"""Phone numbers with phonenumbers: +86, spaces, dashes and full-width digits
are accepted; what is stored is the 11-digit national mobile number."""

from __future__ import annotations

import unicodedata

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType

from kindline.core.errors import Invalid

_MOBILE_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}


def _parse(raw: str):
    text = unicodedata.normalize("NFKC", raw or "").strip()
    try:
        return phonenumbers.parse(text, "CN")
    except NumberParseException:
        return None


def normalize_mobile(raw: str) -> str:
    number = _parse(raw)
    if (number is None or number.country_code != 86 or not phonenumbers.is_valid_number(number)
            or phonenumbers.number_type(number) not in _MOBILE_TYPES):
        raise Invalid("invalid_phone", "手机号码不正确，请输入11位大陆手机号。", f"not a valid mainland mobile number: {raw!r}")
    return str(number.national_number)


def normalize_fixed(raw: str) -> str:
    """A mainland fixed-line number in national form with its area code (025xxxxxxxx)."""
    number = _parse(raw)
    if (number is None or number.country_code != 86 or not phonenumbers.is_valid_number(number)
            or phonenumbers.number_type(number) != PhoneNumberType.FIXED_LINE):
        raise Invalid("invalid_fixed_number", "固话号码不正确，请带区号输入。", f"not a valid mainland fixed-line number: {raw!r}")
    return "0" + str(number.national_number)


def is_mobile(raw: str) -> bool:
    try:
        normalize_mobile(raw)
    except Invalid:
        return False
    return True
