"""The SMS hall's hall commands: 营业厅 (YYT) answers the halls nearest to the
registered address; 取号 + category takes a remote ticket at the nearest open hall."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from kindline.core.db import transaction
from kindline.halls.models import Ticket
from kindline.sms.hall import handle_incoming
from kindline.sms.parser import Command, parse
from tests.factories import load_demo_catalog, mobile, open_mobile, register
from tests.halls.conftest import make_hall


@pytest.mark.parametrize("text, command", [
    ("营业厅", Command("halls", text="营业厅")), ("yyt", Command("halls", text="YYT")),
    ("營業廳", Command("halls", text="营业厅")),
    ("取号缴费", Command("ticket", "缴费", "取号缴费")), ("取号 缴费", Command("ticket", "缴费", "取号缴费")),
    ("QH2", Command("ticket", "2", "QH2")), ("取号", Command("ticket", "", "取号")),
])
def test_the_parser_reads_the_hall_commands(text, command):
    assert parse(text) == command


@pytest.fixture
def texter(runtime):
    """A subscriber living in 南京市玄武区 whose mobile texts 10001."""
    load_demo_catalog(runtime)
    customer_id = register(runtime)  # 南京市玄武区北京东路1号
    phone = mobile()
    open_mobile(runtime, customer_id, "MOB-98", number=phone)

    def send(text: str, gateway_id: str | None = None) -> str:
        with transaction(runtime.sessions) as session:
            return "".join(handle_incoming(session, runtime.clock, phone, text, gateway_id=gateway_id))

    send.phone = phone
    return send


def _halls(runtime) -> None:
    make_hall(runtime, code="XW", name="玄武营业厅", lat=32.0490, lon=118.7985, open_counters=(3,))
    make_hall(runtime, code="GL", name="鼓楼营业厅", lat=32.0664, lon=118.7698, open_counters=(3,))
    make_hall(runtime, code="GQ", name="观前营业厅", lat=31.3117, lon=120.6178, city="苏州市", district="姑苏区")


def test_yyt_answers_the_halls_nearest_to_the_registered_address(runtime, texter):
    _halls(runtime)
    reply = texter("YYT")
    assert reply.index("玄武营业厅") < reply.index("鼓楼营业厅") and "观前" not in reply
    assert "营业中" in reply and "09:00-20:00" in reply and "取号" in reply


def test_a_remote_ticket_by_sms(runtime, texter):
    _halls(runtime)
    reply = texter("取号缴费", gateway_id="gw-1")
    assert "玄武营业厅" in reply and "B001" in reply and "10:30前" in reply
    assert texter("取号缴费", gateway_id="gw-1") == ""  # a redelivered MO is answered once
    with runtime.sessions() as session:
        (ticket,) = session.scalars(select(Ticket))
        assert ticket.remote and ticket.channel == "sms" and ticket.phone == texter.phone
    assert "取号缴费" in texter("取号")  # no category: how to say it
    assert "取号缴费" in texter("取号彩票")


def test_a_remote_ticket_when_no_hall_is_open_gets_the_reason(runtime, texter):
    _halls(runtime)
    runtime.clock.set(datetime(2026, 11, 22, 21, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    reply = texter("取号业务")
    assert "暂无营业中的营业厅" in reply
    with runtime.sessions() as session:
        assert session.scalars(select(Ticket)).first() is None
