"""Mainland resident ID numbers (居民身份证号码, GB 11643) with python-stdnum.

Birth date and gender are read from the number; a 15-digit legacy number is
converted to its 18-digit form (century 19, check character computed).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

from stdnum import exceptions
from stdnum.cn import ric

from kindline.core.errors import Invalid


@dataclass(frozen=True)
class ResidentId:
    number: str
    birth_date: date
    gender: str  # "M" or "F"


def _invalid(code: str, zh: str, en: str) -> Invalid:
    return Invalid(code, zh, en)


def parse_resident_id(raw: str, today: date) -> ResidentId:
    text = unicodedata.normalize("NFKC", raw or "").replace(" ", "").upper()
    if len(text) == 15 and text.isdigit():
        body = text[:6] + "19" + text[6:]
        text = body + ric.calc_check_digit(body + "0")  # the function ignores the last character
    if len(text) != 18 or not text[:17].isdigit() or not (text[17].isdigit() or text[17] == "X"):
        raise _invalid("invalid_id_format", "身份证号码格式不正确，应为18位。", f"resident ID must be 18 characters, got {len(text)}")
    try:
        birth = ric.get_birth_date(text)
    except exceptions.ValidationError:
        raise _invalid("invalid_id_date", "身份证号码中的出生日期不存在。", "birth date inside the ID is not a real date") from None
    if birth > today:
        raise _invalid("invalid_id_date", "身份证号码中的出生日期晚于今天。", "birth date inside the ID is in the future")
    if text[17] != ric.calc_check_digit(text):
        raise _invalid("invalid_id_checksum", "身份证号码校验位不正确，请核对。", "GB 11643 check character does not match")
    try:
        ric.validate(text)
    except exceptions.ValidationError:
        raise _invalid("invalid_id_region", "身份证号码的地区码不存在。", "the area code of the ID is unknown") from None
    return ResidentId(text, birth, "M" if int(text[16]) % 2 else "F")


def age_on(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
