"""Console money pages: a subscriber's balance, bills, records, payments and
reminders, and the recharge-card batches."""

from __future__ import annotations

from kindline.web.console import LOGIN
from kindline.web.routing import page_router

router = page_router("/console", login_path=LOGIN)
