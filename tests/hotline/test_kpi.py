"""The KPIs on a small event log written by hand, with every figure worked out
on paper (the comments give the sums); docs/hotline.md defines them."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from kindline.core.db import transaction
from kindline.hotline import kpi
from kindline.hotline.models import HotlineEvent

START = datetime(2026, 11, 22, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
END = START + timedelta(hours=2)
NOW = START + timedelta(days=8)  # every 7-day repeat window has closed
A1, A2 = 1, 2


def contact(log, cid, at, caller, segment, *, elder=False, customer=None):
    log.append((at, "ARRIVE", cid, None, {"caller": caller, "segment": segment, "elder_rule": elder,
                                          "customer_id": customer}))
    log.append((at, "ENTERQUEUE", cid, None, {"segment": segment, "priority": 10}))


def handled(log, cid, agent, enter, hold, talk, wrap, resolved, by="COMPLETEAGENT", callback=False):
    connect = enter + hold
    log.append((connect, "CONNECT", cid, agent, {"holdtime": hold, "callback": callback}))
    log.append((connect, "AGENTSTATE", None, agent, {"state": "on_contact"}))
    log.append((connect + talk, by, cid, agent, {"holdtime": hold, "calltime": talk}))
    log.append((connect + talk, "AGENTSTATE", None, agent, {"state": "wrapup"}))
    log.append((connect + talk + wrap, "WRAPUPEND", cid, agent, {"wrapuptime": wrap, "resolved": resolved}))
    log.append((connect + talk + wrap, "AGENTSTATE", None, agent, {"state": "available"}))


def the_log():
    log = [(-600, "AGENTSTATE", None, A1, {"state": "available"}),  # signed in before the period
           (600, "AGENTSTATE", None, A2, {"state": "available"}),
           (3600, "AGENTSTATE", None, A1, {"state": "break"}), (4200, "AGENTSTATE", None, A1, {"state": "available"}),
           (4800, "AGENTSTATE", None, A2, {"state": "offline"})]
    contact(log, 100, -100, "13900000100", "ordinary")  # before the period: not counted
    log.append((-50, "ABANDON", 100, None, {"waittime": 50}))
    contact(log, 1, 60, "13900000001", "vip")
    handled(log, 1, A1, 60, 15, 180, 30, True)
    contact(log, 2, 300, "13900000002", "vip")
    handled(log, 2, A1, 300, 30, 120, 20, False, by="COMPLETECALLER")
    contact(log, 3, 1000, "13900000003", "ordinary")
    log.append((1003, "ABANDON", 3, None, {"waittime": 3}))  # within 5 s: not in the service level
    contact(log, 4, 1100, "13900000004", "ordinary")
    log.append((1140, "ABANDON", 4, None, {"waittime": 40}))
    contact(log, 5, 1200, "13900000005", "ordinary")
    handled(log, 5, A2, 1200, 10, 300, 30, True)
    log.append((2 * 86400, "ARRIVE", 55, None, {"caller": "13900000005", "segment": "ordinary"}))  # called again
    contact(log, 6, 1300, "13900000006", "ordinary")
    handled(log, 6, A1, 1300, 25, 200, 30, None)
    log.append((1600, "DISPOSITION", 6, A1, {"resolved": True}))  # recorded after the wrap-up
    contact(log, 7, 2000, "13900000007", "elderly", elder=True, customer=501)
    handled(log, 7, A1, 2000, 8, 1500, 30, True, by="COMPLETECALLER")  # a 25-minute call
    contact(log, 8, 4000, "13900000007", "elderly", elder=True, customer=501)  # the same elder again
    log.append((4030, "ABANDON", 8, None, {"waittime": 30}))
    contact(log, 9, 5000, "13900000009", "ordinary")
    log.append((5020, "CALLBACK", 9, None, {"waittime": 20}))
    log.append((5090, "AGENTSTATE", None, A1, {"state": "ringing"}))
    handled(log, 9, A1, 5000, 100, 60, 30, True, callback=True)
    contact(log, 10, 7100, "13900000010", "ordinary")  # never answered nor abandoned
    contact(log, 11, 7300, "13900000011", "ordinary")  # after the period
    log.append((6000, "ARRIVE", 12, None, {"caller": "13900000012", "segment": "ordinary"}))
    log.append((6100, "IVREND", 12, None, {"outcome": "self_service", "path": ["main:1!balance"]}))
    return log


@pytest.fixture
def figures(runtime):
    with transaction(runtime.sessions) as session:
        for seconds, event, contact_id, agent_id, data in sorted(the_log(), key=lambda row: row[0]):
            session.add(HotlineEvent(at=START + timedelta(seconds=seconds), event=event, contact_id=contact_id,
                                     agent_id=agent_id, queue="GENERAL", data=data))
    with runtime.sessions() as session:
        return kpi.compute(session, NOW, START, END)


def test_counts(figures):
    assert figures["contacts"] == {"arrived": 11, "self_served_in_ivr": 1, "entered_queue": 10, "answered": 6,
                                   "abandoned": 3, "still_waiting": 1}
    assert figures["callbacks"] == {"requested": 1, "completed": 1}
    assert figures["one_key_elderly"] == {"services": 2, "people": 1, "answered": 1}


def test_service_level_asa_and_abandonment_per_segment(figures):
    vip, ordinary, elderly = (figures["by_segment"][s] for s in ("vip", "ordinary", "elderly"))
    # VIP: 15 s and 30 s waits; one within 20 s of two
    assert (vip["service_level"], vip["target"], vip["asa_seconds"], vip["abandonment_rate"]) == (0.5, 0.9, 22.5, 0.0)
    # ordinary: answered after 10 s and 25 s, one abandoned after 40 s, one within 3 s (left out), one callback
    assert (ordinary["answered_within_threshold"], ordinary["answered"], ordinary["abandoned_after_5s"],
            ordinary["abandoned_within_5s"]) == (1, 2, 1, 1)
    assert (ordinary["service_level"], ordinary["target"], ordinary["asa_seconds"]) == (0.3333, 0.8, 17.5)
    assert ordinary["abandonment_rate"] == 0.5  # (1 + 1) / (2 + 2)
    assert (elderly["service_level"], elderly["target"], elderly["asa_seconds"], elderly["abandonment_rate"]) == \
        (0.5, None, 8.0, 0.5)
    everyone = figures["all"]
    assert (everyone["service_level"], everyone["asa_seconds"], everyone["abandonment_rate"]) == (0.4286, 17.6, 0.375)


def test_handling_time_keeps_the_elderly_apart(figures):
    by = figures["by_segment"]
    assert (by["vip"]["aht_seconds"], by["ordinary"]["aht_seconds"], by["elderly"]["aht_seconds"]) == \
        (175.0, 216.7, 1530.0)  # (210 + 140) / 2, (330 + 230 + 90) / 3, 1500 + 30
    assert figures["all"]["aht_seconds"] == 421.7  # 2530 / 6
    assert figures["aht_agent_measured_seconds"] == 200.0  # 1000 / 5, the elderly call left out
    assert figures["elderly_handling"] == {"handled": 1, "aht_seconds": 1530.0, "long_calls": 1,
                                           "long_call_seconds": 600}
    first, second = figures["agents"]
    assert (first["agent_id"], first["contacts"], first["aht_seconds"], first["elderly_contacts"],
            first["elderly_aht_seconds"]) == (A1, 4, 167.5, 1, 1530.0)  # (210 + 140 + 230 + 90) / 4
    assert (second["agent_id"], second["contacts"], second["aht_seconds"], second["elderly_contacts"]) == \
        (A2, 1, 330.0, 0)


def test_occupancy(figures):
    first, second = figures["agents"]
    # agent 1: staffed all 7,200 s but a 600 s break; busy 210 + 140 + 230 + 1530 + 90
    assert (first["busy_seconds"], first["staffed_seconds"], first["occupancy"]) == (2200.0, 6600.0, 0.3333)
    # agent 2: signed in at 600 s, out at 4,800 s; one contact of 300 s and 30 s wrap-up
    assert (second["busy_seconds"], second["staffed_seconds"], second["occupancy"]) == (330.0, 4200.0, 0.0786)
    assert figures["occupancy"] == {"busy_seconds": 2530.0, "staffed_seconds": 10800.0, "rate": 0.2343}


def test_first_contact_resolution(figures):
    # handled 1, 2, 5, 6, 7, 9; resolved 1, 5, 6, 7, 9; 5 and 7 called again within 7 days
    assert figures["first_contact_resolution"] == {
        "handled": 6, "resolved_first_time": 3, "resolved_but_called_again": 2, "window_still_open": 0,
        "rate": 0.5, "target": 0.88, "repeat_window_days": 7}


def test_a_window_still_open_is_reported(runtime, figures):
    with runtime.sessions() as session:
        early = kpi.compute(session, START + timedelta(days=1), START, END)
    # a day later contact 5's repeat has not happened yet: 1, 5, 6 and 9 resolved, all windows open
    assert early["first_contact_resolution"]["resolved_first_time"] == 4
    assert early["first_contact_resolution"]["window_still_open"] == 4
