"""The hotline contract over HTTP: `POST /api/v1/hotline/route` as a SIP proxy
calls it, an agent's desk from sign-in to wrap-up, and `GET /api/v1/kpi/hotline`."""

from __future__ import annotations

from tests.hotline.conftest import FORTY, SEVENTY

ROUTE = "/api/v1/hotline/route"


def test_route_answers_what_a_sip_proxy_needs(client, staff, caller):
    switch = staff("telephony")
    elder = client.post(ROUTE, headers=switch, json={"caller": caller(SEVENTY).phone, "called": "10000",
                                                     "call_id": "a84b4c76e66710@pc33.example.com"})
    assert elder.status_code == 200, elder.text
    body = elder.json()
    assert set(body) == {"contact_id", "action", "ivr_flow", "queue", "priority", "segment", "elder_rule", "reason",
                         "why"}
    assert (body["action"], body["queue"], body["priority"], body["elder_rule"]) == ("queue", "EXPERT", 50, True)
    assert body["reason"] == "elder_rule_age" and "一键接入人工" in body["why"]
    again = client.post(ROUTE, headers=switch, json={"caller": "x", "called": "10000",
                                                     "call_id": "a84b4c76e66710@pc33.example.com"})
    assert again.json()["contact_id"] == body["contact_id"]  # a retried request is the same call

    ordinary = client.post(ROUTE, headers=switch, json={"caller": caller(FORTY).phone, "called": "10000"}).json()
    assert (ordinary["action"], ordinary["ivr_flow"], ordinary["queue"], ordinary["priority"]) == ("ivr", "demo",
                                                                                                  None, 0)
    read = client.get(f"/api/v1/hotline/contacts/{ordinary['contact_id']}", headers=switch).json()
    assert read["status"] == "ivr" and "****" in read["caller"]


def test_route_refuses_what_it_must(client, staff):
    assert client.post(ROUTE, json={"caller": "13800000000", "called": "10000"}).status_code == 401
    assert client.post(ROUTE, headers=staff("hall_clerk"),
                       json={"caller": "13800000000", "called": "10000"}).status_code == 403
    bad = client.post(ROUTE, headers=staff("telephony"), json={"caller": "不是号码", "called": "10000"})
    assert (bad.status_code, bad.json()["code"]) == (422, "invalid_caller")
    assert client.post(ROUTE, headers=staff("telephony"), json={"called": "10000"}).status_code == 422


def test_an_agents_desk_from_sign_in_to_wrap_up(client, runtime, staff, seat, caller):
    switch, boss = staff("telephony"), staff("supervisor")
    me = seat({"general": 4}, available=False)
    assert client.get("/api/v1/hotline/agents/me", headers=me.headers).json()["agent"]["state"] == "offline"
    desk = client.put("/api/v1/hotline/agents/me/state", headers=me.headers, json={"state": "available"}).json()
    assert desk["agent"]["state"] == "available" and desk["contact"] is None
    routed = client.post(ROUTE, headers=switch, json={"caller": caller(FORTY).phone, "called": "10000"}).json()
    contact_id = routed["contact_id"]
    queued = client.post(f"/api/v1/hotline/contacts/{contact_id}/queue", headers=switch, json={"queue": "GENERAL"})
    assert queued.json()["status"] == "offered"
    desk = client.get("/api/v1/hotline/agents/me", headers=me.headers).json()
    assert desk["agent"]["state"] == "ringing" and desk["contact"]["id"] == contact_id
    other = seat({"general": 4})
    refused = client.post(f"/api/v1/hotline/contacts/{contact_id}/answer", headers=other.headers)
    assert (refused.status_code, refused.json()["code"]) == (403, "not_your_contact")
    for step in ("answer", "end"):
        assert client.post(f"/api/v1/hotline/contacts/{contact_id}/{step}", headers=me.headers).status_code == 200
    disposed = client.post(f"/api/v1/hotline/contacts/{contact_id}/disposition", headers=me.headers,
                           json={"resolved": True, "work_order_ids": [], "note": "已解答资费问题"}).json()
    assert disposed["resolved"] is True and disposed["status"] == "wrapup"
    done = client.post(f"/api/v1/hotline/contacts/{contact_id}/wrapup-done", headers=me.headers).json()
    assert done["status"] == "done"
    again = client.post(f"/api/v1/hotline/contacts/{contact_id}/wrapup-done", headers=me.headers)
    assert (again.status_code, again.json()["code"]) == (409, "invalid_contact_status")
    queues = {q["code"]: q for q in client.get("/api/v1/hotline/queues", headers=boss).json()}
    assert set(queues) == {"GENERAL", "BILLING", "BROADBAND", "BUSINESS", "EXPERT"}
    assert queues["GENERAL"]["waiting"] == 0
    agents = client.get("/api/v1/hotline/agents", headers=boss).json()
    assert {a["state"] for a in agents} == {"available"}
    moved = client.put(f"/api/v1/hotline/agents/{me.agent_id}/state", headers=boss, json={"state": "offline"})
    assert moved.json()["state"] == "offline"
    assert client.get("/api/v1/hotline/agents", headers=me.headers).status_code == 403


def test_a_waiting_caller_hangs_up_or_asks_for_a_callback(client, staff, caller):
    switch = staff("telephony")
    ids = []
    for _ in range(2):
        routed = client.post(ROUTE, headers=switch, json={"caller": caller(SEVENTY).phone, "called": "10000"})
        ids.append(routed.json()["contact_id"])
    assert client.post(f"/api/v1/hotline/contacts/{ids[0]}/hangup", headers=switch).json()["status"] == "abandoned"
    back = client.post(f"/api/v1/hotline/contacts/{ids[1]}/callback", headers=switch, json={}).json()
    assert back["status"] == "callback" and back["callback_requested"]
    board = {q["code"]: q for q in client.get("/api/v1/hotline/queues", headers=staff("supervisor")).json()}
    assert (board["EXPERT"]["waiting"], board["EXPERT"]["callbacks"]) == (0, 1)


def test_kpi_endpoint(client, staff, caller, seat):
    switch, boss = staff("telephony"), staff("supervisor")
    agent = seat({"general": 5}, expert=True)
    contact_id = client.post(ROUTE, headers=switch, json={"caller": caller(SEVENTY).phone,
                                                          "called": "10000"}).json()["contact_id"]
    client.post(f"/api/v1/hotline/contacts/{contact_id}/answer", headers=agent.headers)
    figures = client.get("/api/v1/kpi/hotline", headers=boss, params={"from": "2026-11-22", "to": "2026-11-23"})
    assert figures.status_code == 200, figures.text
    body = figures.json()
    assert body["from"].startswith("2026-11-22T00:00:00+08:00") and body["to"].startswith("2026-11-23T00:00:00")
    assert body["one_key_elderly"] == {"services": 1, "people": 1, "answered": 1}
    assert body["by_segment"]["elderly"]["service_level"] == 1.0
    default = client.get("/api/v1/kpi/hotline", headers=boss).json()
    assert default["from"] == body["from"]
    wrong = client.get("/api/v1/kpi/hotline", headers=boss, params={"from": "2026-11-23", "to": "2026-11-22"})
    assert (wrong.status_code, wrong.json()["code"]) == (422, "invalid_period")
    assert client.get("/api/v1/kpi/hotline", headers=boss, params={"from": "yesterday"}).json()["code"] == \
        "invalid_time"
    assert client.get("/api/v1/kpi/hotline", headers=agent.headers).status_code == 403
