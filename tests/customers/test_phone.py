import pytest

from kindline.core.errors import Invalid
from kindline.customers.phone import normalize_fixed, normalize_mobile


@pytest.mark.parametrize("raw", ["13812345678", "+86 138 1234 5678", "+86-138-1234-5678", "１３８１２３４５６７８",
                                 "0086 13812345678"])
def test_mobile_forms_normalise_to_eleven_digits(raw):
    assert normalize_mobile(raw) == "13812345678"


@pytest.mark.parametrize("raw", ["12345678901", "1381234567", "02584001234", "+1 650 253 0000", "abc", ""])
def test_non_mobile_numbers_are_refused(raw):
    with pytest.raises(Invalid) as error:
        normalize_mobile(raw)
    assert error.value.code == "invalid_phone"


def test_fixed_line_keeps_area_code():
    assert normalize_fixed("025-8400 1234") == "02584001234"
    with pytest.raises(Invalid):
        normalize_fixed("13812345678")
