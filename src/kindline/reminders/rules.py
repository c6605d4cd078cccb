"""What the reminders send and when: thresholds, times and texts, as
configuration with the operator's defaults (DOMAIN.md "Balance, usage and
reminders"). Texts are format strings in plain Chinese that fit one 70-character
SMS; `render` fills them from a notification's params plus a few derived words
(the resource's name, yuan amounts, a local date), so stored params stay plain
numbers and codes.

The default texts of reminders that rating can trigger name no running balance
(it is in the params): a batch of a thousand records and a thousand batches of
one must send the same SMS. Templates may still use {balance_yuan} / {owed_yuan}.

Params by kind (what callers pass to `service.notify`):
  usage_80, usage_100   resource: voice | sms | data
  balance_below         threshold_fen, balance_fen
  arrears_warning       balance_fen, suspend_at (ISO time)
  suspended             (none)
  restored              balance_fen
  low_usage             resources: list of voice | sms | data
  points_expiring       points (int), expires_on (ISO date "2026-12-31")
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from kindline.core.errors import Invalid
from kindline.usage.models import KIND_NAMES_ZH, USAGE_KINDS

KINDS = ("usage_80", "usage_100", "balance_below", "arrears_warning", "suspended", "restored", "low_usage",
         "points_expiring")
KIND_NAMES = {
    "usage_80": "用量达80%", "usage_100": "用量用完", "balance_below": "余额不足", "arrears_warning": "欠费停机预告",
    "suspended": "欠费停机", "restored": "缴费复机", "low_usage": "套餐用量偏低", "points_expiring": "积分即将到期",
}
# Which params make a reminder a different one ("once per threshold"): a
# balance_below at 15 yuan and one at 5 yuan are two reminders; the balance
# named in the text is not part of the key.
KEY_PARAMS: dict[str, tuple[str, ...]] = {
    "usage_80": ("resource",), "usage_100": ("resource",), "balance_below": ("threshold_fen",),
    "points_expiring": ("expires_on",),
}

TEXTS: dict[str, str] = {
    "usage_80": "【用量提醒】您本月套餐内{resource_name}已用{percent}%，请留意使用。详询10001。",
    "usage_100": "【用量提醒】您本月套餐内{resource_name}已用完，超出部分另行计费。详询10001。",
    "balance_below": "【余额提醒】您的话费余额已不足{threshold_yuan}元，请及时充值，以免影响使用。详询10001。",
    "arrears_warning": "【欠费提醒】您的话费已欠费，如未缴费将于{suspend_at_text}停机。缴费后即可正常使用。",
    "suspended": "【停机通知】您的号码因欠费已停机，缴费后自动恢复。急需通话可拨10001申请开机1小时。",
    "restored": "【缴费到账】欠费已结清，您的号码可正常使用，当前余额{balance_yuan}元。感谢您的支持！",
    "low_usage": "【套餐建议】本月您的{resources_text}用量不足套餐的{percent}%，可拨10001咨询更合适的套餐。",
    "points_expiring": "【积分提醒】您有{points}积分将于{expires_text}到期，请及时兑换。详询10001。",
}
SMS_LENGTH = 70  # one message; longer texts go as a concatenated SMS


@dataclass(frozen=True)
class Rules:
    usage_percents: Mapping[str, int] = field(default_factory=lambda: {"usage_80": 80, "usage_100": 100})
    balance_thresholds_fen: tuple[int, ...] = (1500, 500)
    suspend_after: timedelta = timedelta(hours=24)  # arrears_warning -> suspension
    reopen_for: timedelta = timedelta(minutes=60)  # 绿色开机
    reopen_once_per: timedelta = timedelta(hours=24)
    low_usage_day: int = 25
    low_usage_at: time = time(10, 0)
    low_usage_percent: int = 40
    points_notice_days: int = 30
    quiet_from: time = time(22, 0)  # operator time zone
    quiet_until: time = time(8, 0)
    texts: Mapping[str, str] = field(default_factory=lambda: dict(TEXTS))


_rules = Rules()


def current() -> Rules:
    return _rules


def configure(**changes: Any) -> Rules:
    """Replace some settings; answers the previous rules (to put them back)."""
    global _rules
    previous = _rules
    _rules = dataclasses.replace(_rules, **changes)
    return previous


def restore(previous: Rules) -> None:
    global _rules
    _rules = previous


def check(kind: str, params: Mapping[str, Any]) -> None:
    if kind not in KINDS:
        raise Invalid("invalid_reminder_kind", "提醒类型不正确。", f"unknown reminder kind {kind!r}", {"known": list(KINDS)})
    missing = [name for name in KEY_PARAMS.get(kind, ()) if name not in params]
    resources = [params["resource"]] if "resource" in params else list(params.get("resources") or [])
    if missing or any(r not in USAGE_KINDS for r in resources):
        raise Invalid("invalid_reminder_params", "提醒参数不正确。", f"{kind} needs {KEY_PARAMS.get(kind)}, "
                      f"resources among {USAGE_KINDS}", {"params": dict(params)})


def param_key(kind: str, params: Mapping[str, Any]) -> str:
    """"resource=voice", "threshold_fen=1500", or "" for once-per-cycle kinds."""
    return "&".join(f"{name}={params[name]}" for name in KEY_PARAMS.get(kind, ()))


def yuan_text(fen: int) -> str:
    """15 for 1500, 12.5 for 1250: how people say an amount."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), 100)
    if not cents:
        return f"{sign}{whole}"
    return f"{sign}{whole}.{cents:02d}".rstrip("0")


def local_time_text(moment: datetime, tz) -> str:
    local = moment.astimezone(tz)
    return f"{local.month}月{local.day}日{local:%H:%M}"


def render(kind: str, params: Mapping[str, Any], rules: Rules, tz) -> str:
    """The SMS text of a reminder, from its params and the configured template."""
    words: dict[str, Any] = dict(params)
    if kind in rules.usage_percents:
        words["percent"] = rules.usage_percents[kind]
    if kind == "low_usage":
        words["percent"] = rules.low_usage_percent
        words["resources_text"] = "、".join(KIND_NAMES_ZH[r] for r in params.get("resources") or [])
    if "resource" in params:
        words["resource_name"] = KIND_NAMES_ZH[params["resource"]]
    if "threshold_fen" in params:
        words["threshold_yuan"] = yuan_text(params["threshold_fen"])
    if "balance_fen" in params:
        words["balance_yuan"] = yuan_text(params["balance_fen"])
        words["owed_yuan"] = yuan_text(max(0, -int(params["balance_fen"])))
    if "suspend_at" in params:
        words["suspend_at_text"] = local_time_text(datetime.fromisoformat(params["suspend_at"]), tz)
    if "expires_on" in params:
        expires = date.fromisoformat(str(params["expires_on"]))
        words["expires_text"] = f"{expires.year}年{expires.month}月{expires.day}日"
    try:
        return rules.texts[kind].format_map(words)
    except (KeyError, IndexError, ValueError) as exc:
        raise Invalid("invalid_reminder_params", "提醒参数不完整。", f"{kind} text needs {exc}",
                      {"params": dict(params)}) from exc
