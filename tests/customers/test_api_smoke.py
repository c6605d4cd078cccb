from tests.factories import customer_body


def test_register_and_read(client, staff):
    headers = staff("agent")
    answer = client.post("/api/v1/customers", json=customer_body(), headers=headers)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["id_number"][6:14] == "********"
    assert body["age"] == 46
