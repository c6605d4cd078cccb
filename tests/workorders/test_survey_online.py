"""A return visit answered by the subscriber on the portal: only their own,
once, 1 to 5; a low score opens the review and the no-answer timer stops."""

from __future__ import annotations

from datetime import date

import pytest

from kindline.core.auth.principal import Principal
from kindline.core.db import transaction
from kindline.core.errors import Conflict, Forbidden, Invalid
from kindline.workorders import surveys
from tests.factories import register
from tests.workorders.test_escalation import run_timers
from tests.workorders.test_surveys_and_intake import close


def test_the_subscriber_answers_their_own_survey_once(client, runtime, desk, holder):
    work_order_id = close(client, runtime, desk, holder)
    me = Principal("subscriber", holder.customer_id, "subscriber")
    stranger = Principal("subscriber", register(runtime, birth=date(1979, 3, 3)), "subscriber")
    with transaction(runtime.sessions) as session:
        survey = surveys.of_work_order(session, work_order_id)
        assert survey is not None and survey.status == "sent"
        with pytest.raises(Forbidden):
            surveys.answer_online(session, runtime.clock, stranger, survey, 5)
        with pytest.raises(Invalid):
            surveys.answer_online(session, runtime.clock, me, survey, 6)
        surveys.answer_online(session, runtime.clock, me, survey, 1)
        assert (survey.score, survey.status, survey.review_status) == (1, "answered", "open")
        with pytest.raises(Conflict):
            surveys.answer_online(session, runtime.clock, me, survey, 5)
    runtime.clock.advance(49 * 3600)
    run_timers(runtime)  # the 48-hour no-answer timer was cancelled: no call task appears
    with runtime.sessions() as session:
        assert surveys.of_work_order(session, work_order_id).status == "answered"
        assert surveys.call_tasks(session) == []
