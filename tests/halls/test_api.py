"""The contract endpoints and the set-up around them, as a client sees them."""

from __future__ import annotations

from tests.halls.conftest import call_next, counter_op, taken

HALL = {"code": "SZ-GQ", "name": "观前营业厅", "city": "苏州市", "district": "姑苏区", "address": "人民路100号",
        "lat": 31.3117, "lon": 120.6178, "hours": {str(d): [["09:00", "20:00"]] for d in range(1, 8)},
        "special_days": {"2027-02-17": []}, "services": ["business", "payment", "care"],
        "care_services": ["rest", "water", "wifi"]}


def test_a_manager_sets_up_a_hall_and_its_counters(client, staff):
    manager, clerk = staff("supervisor"), staff("hall_clerk")
    assert client.post("/api/v1/halls", headers=clerk, json=HALL).status_code == 403
    made = client.post("/api/v1/halls", headers=manager, json=HALL)
    assert made.status_code == 201, made.text
    hall = made.json()
    assert hall["open_now"] is True and hall["today"] == "09:00-20:00"
    assert client.post("/api/v1/halls", headers=manager, json=HALL).json()["code"] == "duplicate_hall"
    url = f"/api/v1/halls/{hall['id']}/counters"
    assert client.post(url, headers=manager, json={"number": 1, "kind": "care"}).status_code == 201
    general = client.post(url, headers=manager, json={"number": 2, "kind": "general", "categories": ["payment"]})
    assert general.status_code == 201 and general.json()["categories"] == ["payment"]
    assert client.post(url, headers=manager, json={"number": 2, "kind": "general"}).json()["code"] == "duplicate_counter"
    assert client.post(url, headers=manager, json={"number": 3, "kind": "robot"}).json()["code"] == "invalid_counter_kind"
    assert client.post(url, headers=manager, json={"number": 3, "kind": "general",
                                                   "categories": ["complaint"]}).status_code == 422
    opened = client.post(f"{url}/2/open", headers=clerk)
    assert opened.status_code == 200 and opened.json()["open"] is True
    shown = client.get(f"/api/v1/halls/{hall['id']}").json()
    assert [(c["number"], c["kind_name"], c["open"]) for c in shown["counters"]] == [(1, "爱心台席", False),
                                                                                   (2, "综合台席", True)]
    closed_day = client.post(f"/api/v1/halls/{hall['id']}/special-days", headers=manager,
                             json={"day": "2026-11-22", "hours": []})
    assert closed_day.status_code == 200 and closed_day.json()["open_now"] is False
    assert [h["code"] for h in client.get("/api/v1/halls", params={"city": "苏州市"}).json()] == ["SZ-GQ"]


def test_the_contract_take_a_ticket_and_call_the_next(client, floor):
    ticket = taken(client, floor.clerk, floor.hall_id, category="payment", phone="13912345678")
    for field in ("id", "number", "green", "expected_wait_seconds", "expected_wait_minutes", "ahead", "status",
                  "message"):
        assert field in ticket
    assert ticket["number"] == "B001" and ticket["green"] is False and ticket["status"] == "waiting"
    assert ticket["phone"] == "139****5678"
    called = call_next(client, floor.clerk, floor.hall_id, 3)
    assert called["id"] == ticket["id"] and called["status"] == "called" and called["counter"] == 3
    assert called["call_text"] == "请B001号到3号窗口"
    empty = counter_op(client, floor.clerk, floor.hall_id, 2, "call-next")
    assert empty.status_code == 404 and empty.json()["code"] == "no_waiting_ticket"


def test_the_board_and_the_queue(client, floor):
    first = taken(client, floor.clerk, floor.hall_id)
    taken(client, floor.clerk, floor.hall_id, group="military")
    taken(client, floor.clerk, floor.hall_id, category="payment")
    board = client.get(f"/api/v1/halls/{floor.hall_id}/board").json()  # public: the lobby screen
    assert board["calls"][0]["text"] == "请A002号到1号窗口" and board["calls"][0]["green"] is True
    assert board["waiting"] == {"total": 2, "green": 0,
                                "by_category": {"business": 1, "payment": 1, "consultation": 0, "complaint": 0,
                                                "broadband_tv": 0, "care": 0}}
    assert {c["counter"]: c["ticket"] for c in board["counters"]} == {1: "A002", 2: None, 3: None, 4: None}
    queue = client.get(f"/api/v1/halls/{floor.hall_id}/tickets", headers=floor.clerk).json()
    assert [t["number"] for t in queue] == [first["number"], "B001"]
    assert [t["ahead"] for t in queue] == [0, 1]
    assert client.get(f"/api/v1/halls/{floor.hall_id}/tickets", headers=floor.clerk,
                      params={"status": "nope"}).status_code == 422
    assert client.get(f"/api/v1/halls/{floor.hall_id}/tickets").status_code == 401
