"""The SMS business hall end to end on the real services: each command's
reply says what the service the portal calls says, paid commands wait for
"Y" for 10 minutes, and a redelivered MO changes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from kindline.billing import payments
from kindline.billing import service as billing
from kindline.core import outbox, sms
from kindline.core.auth.principal import Principal
from kindline.core.db import transaction
from kindline.core.errors import DomainError
from kindline.core.money import yuan
from kindline.customers import lines
from kindline.orders import service as orders
from kindline.orders.models import Order
from kindline.orders.schemas import OrderCreate
from kindline.sms import answers
from kindline.sms.models import SmsConfirmation
from tests.factories import mobile


def _pay(runtime, phone: str, fen: int, reference: str) -> None:
    with transaction(runtime.sessions) as session:
        payments.receive(session, runtime.clock, billing.line_by_msisdn(session, phone), "hall_cash", reference, fen,
                         "test")


def _orders(runtime, customer_id: int) -> list[Order]:
    with runtime.sessions() as session:
        return list(session.scalars(select(Order).where(Order.customer_id == customer_id).order_by(Order.id)))


def _held(runtime, line_id: int) -> list[str]:
    with runtime.sessions() as session:
        return lines.held_codes(lines.get(session, line_id))


def _refusal(runtime, subscriber, order_type: str, code: str) -> str:
    """What orders.service answers the same request from the portal (rolled back)."""
    request = OrderCreate(type=order_type, customer_id=subscriber.customer_id, channel="online",
                          line_id=subscriber.line_id, product_codes=[code])
    with runtime.sessions() as session:
        with pytest.raises(DomainError) as refused:
            orders.submit(session, runtime.clock, Principal("subscriber", subscriber.customer_id, "x"), request, "k")
        session.rollback()
    return refused.value.message


def test_balance_answer_is_the_billing_service_answer(runtime, subscriber, text):
    _pay(runtime, subscriber.phone, 1230, "p-1")
    for spelling in ("余额", "YE", "ｙｅ", "餘額", " 余 额 "):
        (reply,) = text(subscriber.phone, spelling)
        with runtime.sessions() as session:
            view = billing.balance_of(session, runtime.clock, billing.line_by_msisdn(session, subscriber.phone))
        assert f"余额为{yuan(view.balance_fen)}元" in reply
        assert "12.30元" in reply and "11月22日10:00" in reply


def test_sender_in_international_form_is_the_same_line(runtime, subscriber, text):
    assert "余额为0.00元" in text("+86" + subscriber.phone, "YE")[0]
    assert "余额为0.00元" in text("86" + subscriber.phone, "YE")[0]


def test_replies_leave_through_the_outbox_from_the_service_number(runtime, subscriber, text):
    parts = text(subscriber.phone, "余额")
    assert outbox.deliver_due(runtime.sessions, runtime.clock) == 1
    with runtime.sessions() as session:
        (message,) = sms.recent(session, recipient=subscriber.phone)
    assert (message.sender, message.text) == ("10001", parts[0])


def test_unknown_text_gets_the_help_in_numbered_parts(runtime, subscriber, text):
    for body in ("你好", "帮助", "?", "BZ", "1234", ""):
        parts = text(subscriber.phone, body)
        assert "".join(p.split(")", 1)[1] for p in parts) == answers.HELP
        assert parts[0].startswith(f"(1/{len(parts)})") and all(len(p) <= 67 for p in parts)


def test_unknown_sender_gets_a_polite_reply_and_service_numbers_get_none(runtime, catalog, text):
    assert text(mobile(), "余额") == [answers.UNKNOWN_SENDER]
    assert text("10086", "余额") == []
    assert text("95555", "Y") == []


def test_allowances_answer_is_the_usage_service_answer(runtime, subscriber, text):
    from kindline.usage import service as usage

    (reply,) = text(subscriber.phone, "流量")
    with runtime.sessions() as session:
        held = usage.allowances(session, runtime.clock, lines.get(session, subscriber.line_id))
    assert held
    for allowance in held:
        if allowance.total:
            remaining = answers.quantity(allowance.kind, allowance.remaining)
            assert f"{answers.KIND_WORDS[allowance.kind]}剩余{remaining}" in reply
    assert "流量剩余20GB（共20GB）" in reply and "通话剩余300分钟" in reply


def test_bill_answer_is_the_last_closed_bill(runtime, subscriber, text, clock):
    from kindline.billing import bills

    now = clock.now()
    clock.set(datetime(2026, 10, 15, 10, 0, tzinfo=clock.tz))
    _pay(runtime, subscriber.phone, 5000, "october")
    clock.set(now)
    (reply,) = text(subscriber.phone, "账单")
    with runtime.sessions() as session:
        account = billing.find_account(session, subscriber.customer_id)
        bill = bills.bill_for(session, runtime.clock, account.id, "2026-10")
    assert reply.startswith("您2026年10月账单")
    assert f"缴费{yuan(bill.payments_fen)}元" in reply and f"月末余额{yuan(bill.closing_fen)}元" in reply
    assert "50.00元" in reply


def test_points_answer_is_the_points_service_answer(runtime, subscriber, text):
    from kindline.billing import points

    assert text(subscriber.phone, "积分") == ["您当前可用积分0分。"]
    with transaction(runtime.sessions) as session:
        account = billing.account_for(session, runtime.clock, subscriber.customer_id)
        points.grant_many(session, runtime.clock, [(account.id, "test", 120)])
    (reply,) = text(subscriber.phone, "JF")
    with runtime.sessions() as session:
        view = points.view(session, runtime.clock, account.id)
    assert f"可用积分{view.balance}分" in reply and view.balance == 120
    assert "2027年11月30日到期" in reply


def test_reopen_for_an_hour_once(runtime, subscriber, text):
    with transaction(runtime.sessions) as session:
        lines.suspend(lines.get(session, subscriber.line_id), "arrears")
    (reply,) = text(subscriber.phone, "开机")
    assert "可用至11月22日11:00" in reply
    with runtime.sessions() as session:
        assert lines.get(session, subscriber.line_id).status == "active"
    with transaction(runtime.sessions) as session:  # suspended again (as when the hour ends in arrears)
        lines.suspend(lines.get(session, subscriber.line_id), "arrears")
    again = "".join(text(subscriber.phone, "KJ"))
    assert "只能申请一次临时开机" in again


def test_reopen_of_a_line_in_service_is_refused_with_the_service_reason(runtime, subscriber, text):
    assert text(subscriber.phone, "开机") == ["该号码不是欠费停机状态，无需申请临时开机。"]


def test_paid_product_waits_for_y_then_orders_on_the_sms_channel(runtime, subscriber, text):
    prompt = "".join(text(subscriber.phone, "开通 3910"))
    assert "一次性收费10元" in prompt and "10分钟内回复Y" in prompt
    assert _orders(runtime, subscriber.customer_id) == []
    (done,) = text(subscriber.phone, "y")
    assert done.startswith("办理成功")
    (order,) = _orders(runtime, subscriber.customer_id)
    assert (order.type, order.channel, order.status, order.request["product_codes"]) == (
        "product_order", "sms", "completed", ["DP-1G-ONCE"])
    assert "DP-1G-ONCE" in _held(runtime, subscriber.line_id)
    assert text(subscriber.phone, "Y") == ["您当前没有待确认的业务。发送“帮助”查看全部指令。"]


def test_3952_orders_the_auto_upgrade_pack_after_confirmation(runtime, subscriber, text):
    prompt = "".join(text(subscriber.phone, "3952"))
    assert "流量自动升级包" in prompt and "每次10元" in prompt and "回复Y" in prompt
    assert text(subscriber.phone, "确认")[0].startswith("办理成功")
    assert "AUTO-UP-1G" in _held(runtime, subscriber.line_id)
    # the same command again: the order service's own refusal, before any confirmation is asked
    assert "".join(text(subscriber.phone, "3952")) == _refusal(runtime, subscriber, "product_order", "AUTO-UP-1G")
    done = "".join(text(subscriber.phone, "退订3952"))
    assert done == "办理成功：已为您退订“流量自动升级包”。"
    assert "AUTO-UP-1G" not in _held(runtime, subscriber.line_id)
    assert "".join(text(subscriber.phone, "TD3952")) == _refusal(runtime, subscriber, "product_unsubscribe",
                                                                  "AUTO-UP-1G")


def test_ineligible_product_gets_the_portal_refusal(runtime, subscriber, text):
    for code in ("MOB-39", "BB-SPEED-DAY"):
        assert "".join(text(subscriber.phone, f"KT{code}")) == _refusal(runtime, subscriber, "product_order", code)
    assert _orders(runtime, subscriber.customer_id) == []
    with runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(SmsConfirmation)) == 0


def test_confirmation_expires_after_10_minutes(runtime, subscriber, text, clock):
    text(subscriber.phone, "KT3910")
    clock.advance(timedelta(minutes=9, seconds=59).total_seconds())
    text(subscriber.phone, "KT3920")  # replaces the first, and starts its own 10 minutes
    clock.advance(timedelta(minutes=10).total_seconds())
    assert text(subscriber.phone, "Y")[0].startswith("确认已超时")
    assert _orders(runtime, subscriber.customer_id) == []
    assert text(subscriber.phone, "Y")[0].startswith("您当前没有待确认的业务")


def test_a_new_paid_command_replaces_the_waiting_one(runtime, subscriber, text):
    text(subscriber.phone, "KT3910")
    text(subscriber.phone, "开通DP-5G-M")
    text(subscriber.phone, "Y")
    (order,) = _orders(runtime, subscriber.customer_id)
    assert order.request["product_codes"] == ["DP-5G-M"]
    assert "DP-1G-ONCE" not in _held(runtime, subscriber.line_id)


def test_n_cancels_the_waiting_command(runtime, subscriber, text):
    text(subscriber.phone, "KT3910")
    assert text(subscriber.phone, "取消") == ["已取消，业务未办理。"]
    assert text(subscriber.phone, "Y")[0].startswith("您当前没有待确认的业务")
    assert _orders(runtime, subscriber.customer_id) == []


def test_a_redelivered_mo_is_answered_and_ordered_once(runtime, subscriber, text):
    assert text(subscriber.phone, "KT3910", gateway_id="mo-1")
    assert text(subscriber.phone, "KT3910", gateway_id="mo-1") == []
    assert text(subscriber.phone, "Y", gateway_id="mo-2")[0].startswith("办理成功")
    assert text(subscriber.phone, "Y", gateway_id="mo-2") == []
    assert len(_orders(runtime, subscriber.customer_id)) == 1
    with runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(SmsConfirmation)) == 1


def test_unsubscribe_needs_no_confirmation_and_names_what_is_not_held(runtime, subscriber, text):
    assert "".join(text(subscriber.phone, "退订3910")) == "该号码未订购此产品。"
    assert "".join(text(subscriber.phone, "退订9999")).startswith("没有代码为9999的业务")
    assert "".join(text(subscriber.phone, "开通")).startswith("请在“开通”后加业务代码")


def test_a_free_product_is_ordered_at_once_and_a_redelivery_orders_once(runtime, subscriber, text):
    from kindline.catalog.models import Product, ProductVersion

    with transaction(runtime.sessions) as session:  # a free offer of the same pack (test data only)
        product = session.scalar(select(Product).where(Product.code == "DP-1G-ONCE"))
        for version in session.scalars(select(ProductVersion).where(ProductVersion.product_id == product.id)):
            version.price_fen = 0
    assert text(subscriber.phone, "KT3910", gateway_id="free-1")[0].startswith("办理成功")
    assert text(subscriber.phone, "KT3910", gateway_id="free-1") == []
    (order,) = _orders(runtime, subscriber.customer_id)
    assert order.channel == "sms" and order.idempotency_key.endswith(f"sms:{subscriber.phone}:free-1")


def test_a_fault_report_and_a_complaint_by_sms_become_work_orders(runtime, subscriber, text):
    from kindline.workorders.models import WorkOrder

    reply = "".join(text(subscriber.phone, "报修 家里宽带上不了网"))
    assert "已受理您的报修" in reply and "工单号" in reply
    assert "请在“投诉”后写明问题" in "".join(text(subscriber.phone, "TS"))
    assert "已受理您的投诉" in "".join(text(subscriber.phone, "投诉：上月多扣了10元", gateway_id="gw-9"))
    assert text(subscriber.phone, "投诉：上月多扣了10元", gateway_id="gw-9") == []  # a redelivery files nothing
    with runtime.sessions() as session:
        orders = session.scalars(select(WorkOrder).order_by(WorkOrder.id)).all()
        assert [(o.type, o.channel, o.line_id, o.customer_id) for o in orders] == [
            ("repair", "sms", subscriber.line_id, subscriber.customer_id),
            ("complaint", "sms", subscriber.line_id, subscriber.customer_id)]
        assert orders[0].description == "家里宽带上不了网" and orders[0].owner_id is None


def test_a_score_from_a_number_not_ours_answers_the_return_visit_sent_to_it(runtime, subscriber, text):
    """The return visit goes to the customer's contact phone, which may be on
    another network: its 1-5 reply is recorded, not answered as unknown."""
    from kindline.customers import service as customers
    from kindline.workorders import service as workorders
    from kindline.workorders import surveys
    from kindline.workorders.models import Survey

    with transaction(runtime.sessions) as session:
        order, _made = workorders.create(session, runtime.clock, None, type="repair", description="宽带断网",
                                         channel="system", customer_id=subscriber.customer_id)
        workorders.transition(session, runtime.clock, None, order, "resolved", "已更换光猫")
        workorders.transition(session, runtime.clock, None, order, "closed", "客户确认")
        contact = customers.get(session, subscriber.customer_id).phone
        survey_id = session.scalar(select(Survey.id).where(Survey.subject_id == order.id))
        with pytest.raises(DomainError):
            billing.line_by_msisdn(session, contact)  # not one of our lines
    assert text(mobile(), "4") == [answers.UNKNOWN_SENDER]  # a stranger with no survey waiting
    assert text(contact, "余额") == [answers.UNKNOWN_SENDER]
    assert text(f"+86{contact}", "4", gateway_id="gw-s1") == [surveys.THANKS]
    assert text(f"+86{contact}", "4", gateway_id="gw-s1") == []  # the gateway redelivers: counted once
    assert text(contact, "1") == [answers.UNKNOWN_SENDER]  # answered already: nothing open any more
    with runtime.sessions() as session:
        survey = session.get(Survey, survey_id)
        assert (survey.status, survey.score, survey.review_status) == ("answered", 4, None)
