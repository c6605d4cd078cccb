"""The words of the halls domain and the figures the halls are held to.

Codes are English (they travel in the API and the event log); every code has
the Chinese name the staff and the screens use. The figures are DOMAIN.md's:
an average handling time of at most 8 minutes, a remote ticket held for 30
minutes, and the operators' own practice of three calls before a number is
passed over (过号) and an SMS when three are ahead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class Category:
    name: str  # Chinese name on the kiosk button and the ticket
    series: str  # the letter of its number series: A012
    default_aht_seconds: int  # planning value until the hall has measured its own


# Each category has its own number series; the default handling times are the
# planning values of a new hall, all within the 8-minute target.
CATEGORIES: dict[str, Category] = {
    "business": Category("业务办理", "A", 420),
    "payment": Category("缴费充值", "B", 180),
    "consultation": Category("业务咨询", "C", 300),
    "complaint": Category("投诉建议", "D", 480),
    "broadband_tv": Category("宽带电视", "E", 420),
    "care": Category("爱心服务", "F", 360),
}

# The green channel (绿色通道): who goes to the care counter at once. An
# outdoor worker is a care-station group (a place to rest), not a green one.
GREEN_GROUPS = {"elderly": "长者", "disabled": "残疾人", "pregnant": "孕妇", "military": "军人及优抚对象"}
CARE_GROUPS = {**GREEN_GROUPS, "outdoor_worker": "户外劳动者", "other": "其他"}

COUNTER_KINDS = {"general": "综合台席", "care": "爱心台席", "vip": "VIP台席", "business": "商务台席"}

STATUSES = {
    "waiting": "等候中", "called": "已叫号", "serving": "办理中", "done": "已办结",
    "no_show": "过号", "transferred": "已转办", "expired": "已失效",
}
ACTIVE = ("called", "serving")  # a ticket at a counter
FINAL = ("done", "no_show", "transferred", "expired")

# Lanes: how the calling engine ranks a ticket (calling.py).
GREEN, VIP, ORDINARY = "green", "vip", "ordinary"

TICKET_CHANNELS = {"kiosk": "取号机", "portal": "网上营业厅", "sms": "短信营业厅", "hotline": "热线",
                   "transfer": "柜台转办", "simulator": "模拟"}
REMOTE_CHANNELS = frozenset({"portal", "sms", "hotline"})

CARE_SERVICES = {"rest": "休息", "water": "饮水", "convenience": "便民服务", "phone_tutoring": "手机教学",
                 "charging": "手机充电", "wifi": "无线上网"}
CLASS_TOPICS = {"anti_fraud": "防范电信诈骗", "wechat": "微信使用", "mobile_payment": "手机支付",
                "photos_video": "拍照与视频"}
SIGNUP_CHANNELS = {"portal": "网上营业厅", "hotline": "热线", "hall": "营业厅", "sms": "短信"}
FOLLOWUP_METHODS = {"phone": "电话", "video": "视频"}

HANDLING_TARGET_SECONDS = 8 * 60  # DOMAIN.md: average handling time at most 8 minutes
REMOTE_HOLD = timedelta(minutes=30)  # a remote ticket must be checked in at the hall within this
MAX_CALLS = 3  # a number is passed over (过号) only after three calls
NOTIFY_AHEAD = 3  # an SMS when this many (or fewer) are ahead
AHT_WINDOW = timedelta(days=7)  # handling times measured over this window give the expected wait
AHT_MIN_SAMPLES = 5  # fewer completed tickets than this: the category's default is used
