"""Two worker processes fire the SLA timers of many work orders at once:
every timer fires exactly once (SKIP LOCKED on PostgreSQL, the write lock on
SQLite), and every work order gets exactly one warning and one breach."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

from sqlalchemy import func, select

from kindline.core.auth.principal import Principal
from kindline.core.db import transaction
from kindline.core.timers import Timer
from kindline.workorders import service
from kindline.workorders.models import WorkOrderEvent

ORDERS = 150


def _worker(runtime, tmp_path, moment):
    env = {**os.environ, "KINDLINE_DATABASE_URL": runtime.engine.url.render_as_string(hide_password=False),
           "KINDLINE_CLOCK": "virtual:" + moment.isoformat(), "KINDLINE_SECRET_KEY": "test-secret",
           "KINDLINE_VAR_DIR": str(tmp_path)}
    return subprocess.Popen([sys.executable, "-m", "kindline.cli", "worker", "--until-idle"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_two_workers_fire_every_timer_exactly_once(runtime, desk, holder, tmp_path):
    agent = Principal("staff", desk.agent.id, "agent", frozenset({"workorders:write"}))
    with transaction(runtime.sessions) as session:
        for number in range(ORDERS):
            service.create(session, runtime.clock, agent, type="repair", description=f"故障{number}",
                           channel="hotline", customer_id=holder.customer_id, line=holder.msisdn)
    later = runtime.clock.now() + timedelta(hours=25)  # past the 24-hour repair limit
    workers = [_worker(runtime, tmp_path, later) for _ in range(2)]
    outputs = [worker.communicate(timeout=600) for worker in workers]
    for worker, (_out, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, err.decode()
    with runtime.sessions() as session:
        per_order = session.execute(
            select(WorkOrderEvent.action, func.count(), func.count(WorkOrderEvent.work_order_id.distinct()))
            .where(WorkOrderEvent.action.in_(("sla_warning", "sla_breach"))).group_by(WorkOrderEvent.action)).all()
        assert sorted(per_order) == [("sla_breach", ORDERS, ORDERS), ("sla_warning", ORDERS, ORDERS)]
        fired = session.execute(select(func.count(), func.max(Timer.attempts))
                                .where(Timer.kind.like("wo.resolution%"), Timer.fired_at.is_not(None))).one()
        assert tuple(fired) == (2 * ORDERS, 1)
