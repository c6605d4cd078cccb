"""首问负责制: the owner is told of every step someone else takes on their
request (a colleague's note, the customer's objection, a supervisor's
resolution, a breach), and never of their own."""

from __future__ import annotations

from kindline.workorders import service
from tests.factories import subscriber_headers
from tests.workorders.conftest import created, move


def told(runtime, staff_id: int) -> list[str]:
    with runtime.sessions() as session:
        return [notice.text for notice in service.unread_notices(session, staff_id)]


def test_the_owner_is_told_of_every_step_others_take_and_not_of_their_own(client, runtime, desk, holder):
    order = created(client, desk.agent.headers, holder)  # the agent received it: the owner
    work_order_id = order["id"]
    assert order["owner_id"] == desk.agent.id
    move(client, desk.agent.headers, work_order_id, "inProgress", "已联系客户")
    assert told(runtime, desk.agent.id) == []  # their own steps

    noted = client.post(f"/api/v1/workorders/{work_order_id}/notes", headers=desk.other_agent.headers,
                        json={"reason": "客户再次来电催办"})
    assert noted.status_code == 200, noted.text
    move(client, desk.supervisor.headers, work_order_id, "resolved", "已退还多收费用")
    move(client, subscriber_headers(runtime, holder.customer_id), work_order_id, "inProgress", "还没到账")

    texts = sorted(told(runtime, desk.agent.id))  # one notice per step, newest first on the page
    assert len(texts) == 3
    assert any("备注" in text and "客户再次来电催办" in text for text in texts)
    assert any("已退还多收费用" in text for text in texts)
    assert any("客户不满意" in text and "还没到账" in text for text in texts)
    assert told(runtime, desk.other_agent.id) == []  # only the owner is told
