"""Replies fit one SMS of 70 characters or numbered parts of at most 67."""

from __future__ import annotations

from kindline.sms.replies import PART, SINGLE, split, units


def test_short_reply_is_one_message():
    text = "尊" * SINGLE
    assert split(text) == [text]


def test_long_reply_is_numbered_parts_within_67_with_the_prefix():
    text = "短信营业厅" * 30  # 150 characters
    parts = split(text)
    assert len(parts) == 3
    assert [p[:5] for p in parts] == ["(1/3)", "(2/3)", "(3/3)"]
    assert all(units(p) <= PART for p in parts)
    assert "".join(p[5:] for p in parts) == text


def test_parts_prefer_to_end_at_a_sentence_break():
    text = "第一句话说的是余额。" * 4 + "第二句话说的是流量，" * 4
    parts = split(text)
    assert all(units(p) <= PART for p in parts)
    assert parts[0].endswith(("。", "，"))
    assert "".join(p[len("(1/2)"):] for p in parts) == text


def test_many_parts_count_the_longer_prefix():
    text = "字" * 700
    parts = split(text)
    assert len(parts) >= 10
    assert parts[0].startswith(f"(1/{len(parts)})")
    assert all(units(p) <= PART for p in parts)
    assert "".join(p.split(")", 1)[1] for p in parts) == text


def test_characters_outside_the_bmp_count_twice():
    text = "😀" * 36  # 72 UCS-2 units
    parts = split(text)
    assert len(parts) == 2 and all(units(p) <= PART for p in parts)
