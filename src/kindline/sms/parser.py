"""Reading what a subscriber texted to the SMS business hall (10001).

Elderly subscribers type on old handsets in whatever input mode is on: full
width (ＹＥ), traditional characters (餘額), stray spaces (" 余 额 "), lower
case. Every spelling must reach the same command, so the text is first
normalised (NFKC for width, opencc t2s for traditional characters, spaces
dropped, upper case) and only then matched against the command words.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import opencc

# Queries and actions without an argument: Chinese word, pinyin initials, name.
SIMPLE = {
    "余额": "balance", "YE": "balance",
    "流量": "allowances", "LL": "allowances",
    "账单": "bill", "帐单": "bill", "ZD": "bill",
    "积分": "points", "JF": "points",
    "开机": "reopen", "KJ": "reopen",
    "帮助": "help", "BZ": "help", "?": "help",
    "营业厅": "halls", "YYT": "halls",
    "Y": "confirm", "YES": "confirm", "是": "confirm", "是的": "confirm", "确认": "confirm",
    "N": "cancel", "NO": "cancel", "否": "cancel", "取消": "cancel",
}
# Commands followed by a product code (开通3910, KT DP-5G-M, 退订3952).
WITH_CODE = {"开通": "subscribe", "KT": "subscribe", "退订": "unsubscribe", "TD": "unsubscribe"}
_PREFIXES = sorted(WITH_CODE, key=len, reverse=True)
# A remote hall ticket: 取号 (QH) followed by the category in words (取号缴费, QH2).
TICKET_PREFIXES = ("取号", "QH")
# A fault report or a complaint: the command word, then what is wrong in the subscriber's words.
REPORT_PREFIXES = {"报修": "report_fault", "BX": "report_fault", "投诉": "complain", "TS": "complain"}
_CODE = re.compile(r"^[0-9A-Z][0-9A-Z_-]{0,39}$")
_BARE_CODE = re.compile(r"^\d{3,6}$")
# Punctuation people add after a command ("余额?"); "?" alone is the help command.
_TRAILING = "。．.！!，,；;：:～~"
# What may sit between a command word and its code: "开通:3910", "KT-DP-5G-M".
_SEPARATORS = ":：-_#＋+"


@dataclass(frozen=True)
class Command:
    """What the subscriber asked for. `name` is one of the values of SIMPLE or
    WITH_CODE, "code" (a bare SMS code such as 3952, the catalog says which
    product), "score" (a digit 1 to 5: a return visit's answer), "report_fault" / "complain" (报修, 投诉 + the description), "ticket" (取号: a remote hall ticket,
    the argument is the category as typed), or "unknown"; `argument` is the product code as typed (upper case)."""

    name: str
    argument: str = ""
    text: str = ""  # the normalised text, for the record


@lru_cache(maxsize=1)
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def normalise(text: str) -> str:
    """Full width to half width, traditional to simplified, no spaces, upper case."""
    folded = unicodedata.normalize("NFKC", text or "")
    simplified = _converter().convert(folded)
    compact = "".join(ch for ch in simplified if not ch.isspace() and unicodedata.category(ch) != "Cf")
    compact = compact.upper()
    stripped = compact.rstrip(_TRAILING + "?")
    return stripped or ("?" if "?" in compact else "")


def parse(text: str) -> Command:
    compact = normalise(text)
    if not compact:
        return Command("help", text=compact)
    if compact in SIMPLE:
        return Command(SIMPLE[compact], text=compact)
    if compact in "12345" and len(compact) == 1:  # a return visit's score
        return Command("score", compact, text=compact)
    if _BARE_CODE.match(compact):
        return Command("code", compact, text=compact)
    for prefix in TICKET_PREFIXES:
        if compact.startswith(prefix):
            return Command("ticket", compact[len(prefix):].lstrip(_SEPARATORS), text=compact)
    for prefix, name in REPORT_PREFIXES.items():
        if compact.startswith(prefix):
            return Command(name, compact[len(prefix):].lstrip(_SEPARATORS), text=compact)
    for prefix in _PREFIXES:
        if compact.startswith(prefix):
            code = compact[len(prefix):].lstrip(_SEPARATORS)
            if code and _CODE.match(code):
                return Command(WITH_CODE[prefix], code, text=compact)
            if not code:  # "开通" alone: they still need to say what
                return Command(WITH_CODE[prefix], "", text=compact)
    return Command("unknown", text=compact)
