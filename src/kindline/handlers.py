"""Where every domain names its timer and outbox handlers, in one place.

core/ may not import a domain, so the process entry points (the app factory,
the CLI and the tests) call `install()` once; each domain adds one line here.
"""

from __future__ import annotations

import kindline.models  # noqa: F401  every table mapped, so a worker can load any row a handler needs
from kindline.billing import arrears
from kindline.billing import cycles as billing_cycles
from kindline.core import sms
from kindline.hotline import deadlines as hotline_deadlines
from kindline.reminders import jobs as reminder_jobs
from kindline.sms import kannel
from kindline.workorders import escalation as workorder_escalation
from kindline.workorders import surveys


def install(sms_driver: str = "log") -> None:
    kannel.register()  # before the driver is chosen: "kannel" must be known
    sms.install_driver(sms_driver)
    arrears.install()
    billing_cycles.install()  # cycle start, its batches, the daily points run
    reminder_jobs.install()
    workorder_escalation.install()  # SLA warnings, breaches, the 72-hour close
    surveys.install()  # the 48-hour no-answer rule of return visits
    hotline_deadlines.install()  # ring timeouts (the no-answer rule), routing timeouts, wrap-up ends


def schedule_recurring(factory, clock) -> None:
    """Set the recurring timers (cycle start, daily points run, low-usage hints)
    if they are not set yet; safe to call at every start of a server or worker."""
    from kindline.core.db import transaction

    with transaction(factory) as session:
        billing_cycles.ensure_timers(session, clock)
        reminder_jobs.ensure_scheduled(session, clock)
