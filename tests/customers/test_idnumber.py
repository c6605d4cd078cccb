"""Resident ID numbers: checksum, date, legacy conversion, derived facts."""

from datetime import date

import pytest

from kindline.core.errors import Invalid
from kindline.customers.idnumber import age_on, parse_resident_id

TODAY = date(2026, 11, 22)


def test_valid_number_gives_birth_date_and_gender():
    parsed = parse_resident_id("11010519491231002X", TODAY)
    assert parsed.birth_date == date(1949, 12, 31)
    assert parsed.gender == "F"  # 17th digit 2 is even
    assert parsed.number == "11010519491231002X"


def test_lower_case_x_spaces_and_full_width_digits_are_normalised():
    assert parse_resident_id(" １１０１０５１９４９１２３１００２x ", TODAY).number == "11010519491231002X"


@pytest.mark.parametrize("raw, code", [
    ("110105194912310021", "invalid_id_checksum"),
    ("110105194902300025", "invalid_id_date"),  # 30 February
    ("11010520301231002X", "invalid_id_date"),  # born in the future
    ("1101051949123100", "invalid_id_format"),
    ("ABCDEFGHIJKLMNOPQR", "invalid_id_format"),
    ("", "invalid_id_format"),
])
def test_invalid_numbers_are_refused_with_their_cause(raw, code):
    with pytest.raises(Invalid) as error:
        parse_resident_id(raw, TODAY)
    assert error.value.code == code


def test_unknown_area_code_is_refused():
    body = "99999919800101001"
    from stdnum.cn import ric

    number = body + ric.calc_check_digit(body + "0")
    with pytest.raises(Invalid) as error:
        parse_resident_id(number, TODAY)
    assert error.value.code == "invalid_id_region"


def test_fifteen_digit_legacy_number_is_converted():
    parsed = parse_resident_id("110105491231002", TODAY)
    assert parsed.number == "11010519491231002X"
    assert parsed.birth_date == date(1949, 12, 31)


@pytest.mark.parametrize("birth, today, age", [
    (date(1961, 11, 22), date(2026, 11, 22), 65),
    (date(1961, 11, 23), date(2026, 11, 22), 64),
    (date(1960, 2, 29), date(2025, 2, 28), 64),
    (date(1960, 2, 29), date(2025, 3, 1), 65),
])
def test_age_counts_birthdays(birth, today, age):
    assert age_on(birth, today) == age
