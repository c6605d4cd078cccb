"""The command parser: every spelling an elderly subscriber's handset may
produce reaches the same command."""

from __future__ import annotations

import pytest

from kindline.sms.parser import normalise, parse


@pytest.mark.parametrize("text", ["YE", "ye", "Ye", "ＹＥ", "ｙｅ", "余额", "餘額", " 余 额 ", "余\u3000额", "余额。", "余额？"])
def test_balance_in_every_spelling(text):
    assert parse(text).name == "balance"


@pytest.mark.parametrize(("text", "name"), [
    ("流量", "allowances"), ("LL", "allowances"), ("ll", "allowances"),
    ("账单", "bill"), ("賬單", "bill"), ("帳單", "bill"), ("ZD", "bill"),
    ("积分", "points"), ("積分", "points"), ("JF", "points"),
    ("开机", "reopen"), ("開機", "reopen"), ("KJ", "reopen"),
    ("帮助", "help"), ("幫助", "help"), ("BZ", "help"), ("?", "help"), ("？", "help"), ("", "help"), ("  ", "help"),
    ("Y", "confirm"), ("y", "confirm"), ("Ｙ", "confirm"), ("是", "confirm"), ("确认", "confirm"), ("確認", "confirm"),
    ("N", "cancel"), ("取消", "cancel"),
    ("你好", "unknown"), ("HELLO", "unknown"), ("余额多少", "unknown"),
])
def test_command_words(text, name):
    assert parse(text).name == name


@pytest.mark.parametrize(("text", "name", "argument"), [
    ("开通3910", "subscribe", "3910"), ("开通 3910", "subscribe", "3910"), ("KT3910", "subscribe", "3910"),
    ("kt dp-5g-m", "subscribe", "DP-5G-M"), ("ＫＴ３９１０", "subscribe", "3910"), ("開通：3910", "subscribe", "3910"),
    ("退订3952", "unsubscribe", "3952"), ("退訂 3952", "unsubscribe", "3952"), ("td3952", "unsubscribe", "3952"),
    ("3952", "code", "3952"), ("３９５２", "code", "3952"), (" 39 52 ", "code", "3952"),
    ("开通", "subscribe", ""),
])
def test_commands_with_a_code(text, name, argument):
    command = parse(text)
    assert (command.name, command.argument) == (name, argument)


def test_normalise_folds_width_script_space_and_case():
    assert normalise(" ｋｔ　dp-5g-m ") == "KTDP-5G-M"
    assert normalise("餘 額") == "余额"
