"""What happens to an incoming call before anyone answers: the IVR, or straight
to a human queue, with which priority and why.

The elder rule (一键接入人工): when the caller's number belongs to a
real-name subscriber aged 65 or older (settings.elderly_age), or to one kept in
the care archive, the call skips the IVR entirely and goes to the service-expert
queue with the raised priority the policy gives that queue. It is on by
default and switched off with KINDLINE_HOTLINE_ELDER_RULE=false. Who the
caller is comes from customers.service, as it does for every channel.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from sqlalchemy.orm import Session

from kindline.core.clock import Clock
from kindline.core.errors import Invalid
from kindline.core.settings import get_settings
from kindline.customers import service as customers
from kindline.customers.models import Customer
from kindline.customers.phone import is_mobile, normalize_mobile
from kindline.hotline import routing
from kindline.hotline.policy import Policy

SEGMENT_NAMES_ZH = {"elderly": "长者", "vip": "VIP", "ordinary": "普通"}


@dataclass(frozen=True)
class Caller:
    number: str
    customer: Customer | None
    age: int | None
    segments: tuple[str, ...]

    @property
    def segment(self) -> str:
        """The one segment the KPIs count the contact in: elderly (65+ or in the
        care archive) before VIP before ordinary."""
        if "elderly" in self.segments or "care_archive" in self.segments:
            return "elderly"
        return "vip" if "vip" in self.segments else "ordinary"

    @property
    def vip_level(self) -> int:
        return self.customer.vip_level if self.customer is not None else 0


@dataclass(frozen=True)
class Decision:
    action: str  # "ivr" or "queue"
    ivr_flow: str | None
    queue: str | None
    priority: int  # in the queue; for the IVR, the VIP raise the call carries into any queue
    segment: str
    reason: str  # elder_rule_age, elder_rule_care, elder_rule_off, vip, registered, unregistered
    why: str  # the reason in words, for people
    elder_rule: bool


def number_of(raw: str) -> str:
    """A caller number as stored: the 11-digit mobile number, else the digits."""
    text = unicodedata.normalize("NFKC", raw or "").strip()
    if is_mobile(text):
        return normalize_mobile(text)
    digits = "".join(ch for ch in text if ch.isdigit())
    if not digits:
        raise Invalid("invalid_caller", "主叫号码不正确。", f"no digits in caller number {raw!r}")
    return digits[:32]


def identify(session: Session, clock: Clock, raw_caller: str) -> Caller:
    number = number_of(raw_caller)
    customer = customers.by_phone(session, number) if is_mobile(number) else None
    if customer is None:
        return Caller(number, None, None, ())
    return Caller(number, customer, customers.age(customer, clock), tuple(customers.segments(customer, clock)))


def decide(policy: Policy, caller: Caller, called: str, now: float, elder_rule_on: bool | None = None) -> Decision:
    """The decision for one call (pure: the caller is already identified)."""
    if elder_rule_on is None:
        elder_rule_on = get_settings().hotline_elder_rule
    segment = caller.segment
    if segment == "elderly" and elder_rule_on:
        queue = policy.elder_queue
        waiting = routing.WaitingContact(0, queue, segment, now, caller.vip_level)
        priority = routing.standing(policy, waiting, now).priority
        if "elderly" in caller.segments:
            reason, why = "elder_rule_age", f"实名登记年龄{caller.age}岁，长者一键接入人工，免按键直达服务专家队列"
        else:
            reason, why = "elder_rule_care", "关爱档案客户，一键接入人工，免按键直达服务专家队列"
        return Decision("queue", None, queue, priority, segment, reason, why, True)
    flow = policy.ivr_flow_for(called)
    boost = policy.boost(caller.vip_level)
    if segment == "elderly":
        reason, why = "elder_rule_off", "长者一键接入人工已关闭，进入自助语音导航"
    elif caller.vip_level:
        reason, why = "vip", f"VIP{caller.vip_level}级客户，进入自助语音导航，转人工时优先接听"
    elif caller.customer is not None:
        reason, why = "registered", "进入自助语音导航"
    else:
        reason, why = "unregistered", "号码未在本网实名登记，进入自助语音导航"
    return Decision("ivr", flow, None, boost, segment, reason, why, False)
