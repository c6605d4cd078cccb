"""The decision on arrival: the elder rule (one-key human service), the IVR for
everyone else, VIP raises, and the log it leaves."""

from __future__ import annotations

from sqlalchemy import select

from kindline.core.db import transaction
from kindline.core.settings import get_settings
from kindline.customers import service as customers
from kindline.hotline import eventlog, service
from kindline.hotline.models import HotlineEvent
from tests.hotline.conftest import FORTY, SEVENTY, contact_of


def arrive(runtime, number, called="10000", **kw):
    with transaction(runtime.sessions) as session:
        contact, made, fresh = service.arrive(session, runtime.clock, number, called, **kw)
        return contact.id, made, fresh


def events(runtime, contact_id):
    with runtime.sessions() as session:
        return [e.event for e in session.scalars(select(HotlineEvent).where(HotlineEvent.contact_id == contact_id)
                                                 .order_by(HotlineEvent.id))]


def test_a_seventy_year_old_real_name_caller_skips_the_ivr_to_the_experts(runtime, caller):
    elder = caller(SEVENTY)
    contact_id, made, _ = arrive(runtime, "+86 " + elder.phone)
    assert (made.action, made.queue, made.ivr_flow, made.segment) == ("queue", "EXPERT", None, "elderly")
    assert made.elder_rule and made.reason == "elder_rule_age" and "70岁" in made.why
    assert made.priority == 50  # the expert queue's raised priority, above any ordinary or VIP call
    assert events(runtime, contact_id) == [eventlog.ARRIVE, eventlog.ENTERQUEUE]
    contact = contact_of(runtime, contact_id)
    assert (contact.status, contact.queue, contact.rule, contact.caller) == ("queued", "EXPERT", "elderly",
                                                                            elder.phone)


def test_a_forty_year_old_gets_the_ivr(runtime, caller):
    contact_id, made, _ = arrive(runtime, caller(FORTY).phone)
    assert (made.action, made.ivr_flow, made.queue, made.segment) == ("ivr", "demo", None, "ordinary")
    assert not made.elder_rule and made.reason == "registered" and made.priority == 0
    assert events(runtime, contact_id) == [eventlog.ARRIVE]
    assert contact_of(runtime, contact_id).status == "ivr"


def test_the_care_archive_counts_as_elderly_and_vip_raises_priority(runtime, caller):
    cared, vip = caller(FORTY), caller(FORTY)
    with transaction(runtime.sessions) as session:
        customers.set_care_archive(session, runtime.clock, customers.get(session, cared.customer_id),
                                   reason="独居", contact_name="李梅", contact_phone="13912345678", visit_plan="每月",
                                   actor=None)
        customers.set_vip_level(session, runtime.clock, customers.get(session, vip.customer_id), 3,
                                actor=None, reason="测试")
    _, made, _ = arrive(runtime, cared.phone)
    assert (made.action, made.reason, made.queue) == ("queue", "elder_rule_care", "EXPERT")
    _, made, _ = arrive(runtime, vip.phone)
    assert (made.action, made.segment, made.reason, made.priority) == ("ivr", "vip", "vip", 15)


def test_the_elder_rule_can_be_switched_off(runtime, caller, monkeypatch):
    monkeypatch.setattr(get_settings(), "hotline_elder_rule", False)
    _, made, _ = arrive(runtime, caller(SEVENTY).phone)
    assert (made.action, made.segment, made.reason) == ("ivr", "elderly", "elder_rule_off")


def test_an_unknown_number_and_a_retried_call_id(runtime):
    first_id, made, fresh = arrive(runtime, "02584001234", call_id="abc@10.0.0.1")
    assert fresh and made.reason == "unregistered" and made.action == "ivr"
    again_id, again, fresh = arrive(runtime, "02584001234", call_id="abc@10.0.0.1")
    assert (again_id, fresh, again.action) == (first_id, False, "ivr")
    assert events(runtime, first_id) == [eventlog.ARRIVE]
