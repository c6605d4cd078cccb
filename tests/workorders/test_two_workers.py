"""Two `kindline worker` processes fire the timers of many work orders at once:
SLA warnings and breaches of the response and the resolution (a complaint's
breach moving it to the green channel), the 72-hour automatic close and the
return visit's no-answer rule. Each worker says how many timers it fired:
together they fired every due timer exactly once. On PostgreSQL both start
claiming at the same instant (held at a lock on the timers table until both
wait there) and both fire some: SKIP LOCKED shares the work. SQLite lets one
writer in at a time, so there one worker may well fire them all.

Which worker reaches an order first is not fixed: a breach may come before the
warning of the same order (the warning then follows it, or, after a move to
the green channel, finds its clock gone), and a complaint nobody answered may
breach its resolution before its response: each complaint breaches once, goes
green once, and warns at most once per limit.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from datetime import timedelta

from sqlalchemy import func, select, text

from kindline import handlers
from kindline.core.auth.principal import Principal
from kindline.core.clock import VirtualClock
from kindline.core.db import transaction
from kindline.core.timers import Timer
from kindline.workorders import deadlines, service, surveys
from kindline.workorders.models import Survey, WorkOrder, WorkOrderEvent

REPAIRS, SILENT, ANSWERED, RESOLVED, CLOSED = 60, 40, 40, 30, 30
LATER = timedelta(hours=73)  # past every limit, the 72-hour close and the 48-hour survey rule
FIRED_LINE = re.compile(r"已触发定时任务 (\d+) 个")


def _worker(runtime, tmp_path, moment):
    env = {**os.environ, "KINDLINE_DATABASE_URL": runtime.engine.url.render_as_string(hide_password=False),
           "KINDLINE_CLOCK": "virtual:" + moment.isoformat(), "KINDLINE_SECRET_KEY": "test-secret",
           "KINDLINE_VAR_DIR": str(tmp_path)}
    return subprocess.Popen([sys.executable, "-m", "kindline.cli", "worker", "--until-idle"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _orders(runtime, desk, holder) -> dict[str, list[int]]:
    """Repairs (resolution 24 h), complaints nobody answered (response 2 h) and
    answered ones (resolution 48 h), orders resolved now (closed by themselves
    in 72 h) and closed now (their SMS survey unanswered in 48 h)."""
    agent = Principal("staff", desk.agent.id, "agent", frozenset({"workorders:write"}))
    made: dict[str, list[int]] = {}
    with transaction(runtime.sessions) as session:
        for group, count, kind in (("repair", REPAIRS, "repair"), ("silent", SILENT, "complaint"),
                                   ("answered", ANSWERED, "complaint"), ("resolved", RESOLVED, "repair"),
                                   ("closed", CLOSED, "repair")):
            for number in range(count):
                order, _ = service.create(session, runtime.clock, agent, type=kind, description=f"{group}{number}",
                                          channel="hotline", customer_id=holder.customer_id, line=holder.msisdn)
                moves = {"answered": ["inProgress"], "resolved": ["resolved"], "closed": ["resolved", "closed"]}
                for to in moves.get(group, []):
                    service.transition(session, runtime.clock, agent, order, to, "已处理")
                made.setdefault(group, []).append(order.id)
    return made


def _events(session, ids, action, limit=None) -> dict[int, int]:
    stmt = (select(WorkOrderEvent.work_order_id, func.count()).where(
        WorkOrderEvent.work_order_id.in_(ids), WorkOrderEvent.action == action).group_by(WorkOrderEvent.work_order_id))
    if limit is not None:
        stmt = stmt.where(WorkOrderEvent.data["limit"].as_string() == limit)
    return dict(session.execute(stmt).all())


def _started_together(runtime, start, count: int) -> list[subprocess.Popen]:
    """Start the workers; on PostgreSQL hold the timers table until all of them
    wait for it, so that they begin claiming at the same instant."""
    if runtime.engine.dialect.name != "postgresql":
        return [start() for _ in range(count)]
    with runtime.engine.connect() as holding, holding.begin():
        holding.execute(text("LOCK TABLE timers IN EXCLUSIVE MODE"))
        workers = [start() for _ in range(count)]
        deadline = time.monotonic() + 60
        with runtime.engine.connect() as watcher:
            while time.monotonic() < deadline and all(w.poll() is None for w in workers):
                waiting = watcher.execute(text(
                    "SELECT count(*) FROM pg_locks WHERE relation = 'timers'::regclass AND NOT granted")).scalar()
                watcher.rollback()
                if waiting == count:
                    break
                time.sleep(0.05)
    return workers


def test_two_workers_fire_every_due_timer_exactly_once(runtime, desk, holder, tmp_path):
    made = _orders(runtime, desk, holder)
    later = runtime.clock.now() + LATER
    handlers.schedule_recurring(runtime.sessions, VirtualClock(later))  # the workers find them set: no insert
    with runtime.sessions() as session:
        due = dict(session.execute(select(Timer.kind, func.count()).where(
            Timer.due_at <= later, Timer.cancelled_at.is_(None)).group_by(Timer.kind)).all())
    assert due == {"wo.response_warning": SILENT, "wo.response_breach": SILENT,
                   "wo.resolution_warning": REPAIRS + SILENT + ANSWERED,
                   "wo.resolution_breach": REPAIRS + SILENT + ANSWERED, deadlines.AUTO_CLOSE: RESOLVED,
                   surveys.NO_ANSWER: CLOSED}

    workers = _started_together(runtime, lambda: _worker(runtime, tmp_path, later), 2)
    fired_by = []
    for worker in workers:
        out, err = worker.communicate(timeout=600)
        assert worker.returncode == 0, err.decode()
        fired_by.append(int(FIRED_LINE.search(out.decode()).group(1)))
    if runtime.engine.dialect.name == "postgresql":
        assert all(fired_by), f"each worker fired some timers: {fired_by}"

    with runtime.sessions() as session:
        fired = dict(session.execute(select(Timer.kind, func.count()).where(Timer.fired_at.is_not(None))
                                     .group_by(Timer.kind)).all())
        assert fired == due and sum(fired_by) == sum(due.values())  # each once, by one worker or the other
        retried = session.execute(select(func.max(Timer.attempts), func.count(Timer.last_error))).one()
        assert tuple(retried) == (1, 0)
        every = {n: 1 for n in made["repair"]}
        assert _events(session, made["repair"], "sla_breach") == every
        assert _events(session, made["repair"], "sla_warning") == every
        for group in ("silent", "answered"):  # one breach moves it to green; the old clock's other timers idle
            once = {n: 1 for n in made[group]}
            assert _events(session, made[group], "sla_breach") == once
            assert _events(session, made[group], "green") == once
            for limit in ("response", "resolution"):  # before the breach, or not at all after the move to green
                assert set(_events(session, made[group], "sla_warning", limit).values()) <= {1}
        assert _events(session, made["silent"], "sla_breach", "response")  # due first: in practice the one
        assert _events(session, made["answered"], "sla_breach", "resolution") == {n: 1 for n in made["answered"]}
        closed = session.scalars(select(WorkOrder.status).where(WorkOrder.id.in_(made["resolved"]))).all()
        assert closed == ["closed"] * RESOLVED
        calls = session.scalars(select(Survey.status).where(Survey.subject_id.in_(made["closed"]))).all()
        assert calls == ["call_due"] * CLOSED
        sent = session.scalars(select(Survey.status).where(Survey.subject_id.in_(made["resolved"]))).all()
        assert sent == ["sent"] * RESOLVED
