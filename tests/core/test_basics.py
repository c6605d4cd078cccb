"""Money, masking and clocks: the small rules everything else leans on."""

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from kindline.core.clock import VirtualClock, clock_from_setting
from kindline.core.errors import Invalid
from kindline.core.masking import mask_id_number, mask_phone
from kindline.core.money import parse_yuan, yuan


def test_yuan_formats_fen():
    assert yuan(9800) == "98.00"
    assert yuan(5) == "0.05"
    assert yuan(-1505) == "-15.05"


@pytest.mark.parametrize("text, fen", [("98", 9800), ("98.5", 9850), ("0.01", 1), ("-3.20", -320)])
def test_parse_yuan(text, fen):
    assert parse_yuan(text) == fen


@pytest.mark.parametrize("text", ["1.001", "abc", "", "Infinity", "NaN", "1e400", "-1e20"])
def test_parse_yuan_refuses_bad_amounts(text):
    with pytest.raises(Invalid):
        parse_yuan(text)


def test_masks_match_the_house_format():
    assert mask_id_number("110101194912310129") == "110101********0129"
    assert mask_phone("13812345678") == "138****5678"


def test_virtual_clock_moves_only_when_told():
    clock = VirtualClock(datetime(2026, 11, 22, 23, 30), "Asia/Shanghai")
    assert clock.now() == datetime(2026, 11, 22, 15, 30, tzinfo=timezone.utc)
    assert clock.now() == clock.now()
    clock.advance(3600)
    assert clock.today().isoformat() == "2026-11-23"  # local date crossed midnight in Shanghai
    clock.set(datetime(2027, 1, 1, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    assert clock.local_now().hour == 8
    with pytest.raises(Invalid):
        clock.advance(-1)


def test_clock_setting():
    assert clock_from_setting("real", "Asia/Shanghai").virtual is False
    virtual = clock_from_setting("virtual:2026-11-22T09:00:00+08:00", "Asia/Shanghai")
    assert virtual.virtual and virtual.local_now().hour == 9
    with pytest.raises(ValueError):
        clock_from_setting("tomorrow", "Asia/Shanghai")
