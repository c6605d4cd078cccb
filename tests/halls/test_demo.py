"""The demo operator's halls: ten halls in three cities, yesterday's tickets
at the flagship halls (green-channel ones among them), care-station visits
and an anti-fraud class with sign-ups, attendance and follow-ups."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import func, select

from kindline.halls import kpi
from kindline.halls.models import ElderClass, Hall, Ticket
from tests.demo import FEW, load_small


def test_the_demo_halls_have_a_day(runtime, client):
    load_small(runtime, FEW)
    with runtime.sessions() as session:
        halls = list(session.scalars(select(Hall).order_by(Hall.id)))
        assert len(halls) == 10 and {h.city for h in halls} == {"南京市", "苏州市", "无锡市"}
        assert sum(1 for h in halls if h.hours["1"] == [["09:00", "20:00"]]) == 4
        clock = runtime.clock
        yesterday = datetime.combine(clock.today() - timedelta(days=1), time(0), clock.tz)
        found = kpi.compute(session, clock, yesterday, yesterday + timedelta(days=1),
                            next(h.id for h in halls if h.code == "NJ-XJK"))
        assert found["tickets"]["taken"] > 10 and found["tickets"]["green"] > 0
        assert found["waits"]["green_channel"]["count"] > 0 and found["handling"]["all"]["count"] > 0
        assert found["care_station"]["visits"] >= 3 and found["counters"]
        assert found["classes"]["signed_up"] > 0 and found["classes"]["attended"] > 0
        assert session.scalar(select(func.count()).select_from(ElderClass)) == 2
        by_phone = session.scalar(select(func.count()).select_from(Ticket).where(Ticket.customer_id.is_not(None)))
        assert by_phone > 0  # real subscribers among the visitors
    nearest = client.get("/api/v1/halls/nearest", params={"address": "南京市鼓楼区中山北路"}).json()
    assert nearest["halls"][0]["name"] == "鼓楼营业厅" and nearest["within_500m"]
