"""The staffing contract: POST /api/v1/workforce/staffing."""

from __future__ import annotations


def test_the_published_check_through_the_api(client, staff):
    answer = client.post("/api/v1/workforce/staffing", headers=staff("supervisor"), json={
        "calls": 100, "interval_seconds": 1800, "aht_seconds": 180, "target_level": 0.8, "target_seconds": 20,
        "shrinkage": 0.3})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["model"], body["agents"], body["agents_with_shrinkage"]) == ("erlang_c", 14, 20)
    assert body["service_level"] >= 0.8 and body["p_abandon"] is None
    assert 0 < body["occupancy"] < 1 and 0 < body["p_wait"] < 1


def test_with_patience_it_is_erlang_a_and_answers_abandonment(client, staff):
    body = client.post("/api/v1/workforce/staffing", headers=staff("agent"), json={
        "calls": 100, "aht_seconds": 180, "patience_seconds": 120}).json()
    assert body["model"] == "erlang_a" and 0 < body["p_abandon"] < 0.1
    assert body["agents"] <= 14  # impatient callers leave the queue: never more agents than Erlang C


def test_bad_input_is_a_clear_error(client, staff):
    answer = client.post("/api/v1/workforce/staffing", headers=staff("agent"), json={
        "calls": -5, "aht_seconds": 180})
    assert answer.status_code == 422 and answer.json()["code"] == "invalid_workforce_input"
    assert client.post("/api/v1/workforce/staffing", json={"calls": 5, "aht_seconds": 1}).status_code == 401
