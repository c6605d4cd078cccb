"""Subscriber portal money pages (balance and allowances, bills, detailed
records, payments, card recharge, points, the 1-hour reopen)."""

from __future__ import annotations

from kindline.web.portal import LOGIN
from kindline.web.routing import page_router

router = page_router("/portal", login_path=LOGIN)
