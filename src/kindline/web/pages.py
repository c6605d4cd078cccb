"""Mount the server-rendered pages: the front door, the staff console, the
subscriber portal and their stylesheet."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).resolve().parent / "static"


def page_routers() -> list[APIRouter]:
    """Every page router (the tests walk them to check each POST for CSRF)."""
    from kindline.web import (
        console,
        console_customer,
        console_money,
        console_orders,
        console_sms,
        home,
        portal,
        portal_lines,
        portal_money,
    )

    modules = (home, console, console_customer, console_orders, console_money, console_sms, portal, portal_lines,
               portal_money)
    routers = [module.router for module in modules]
    return [*routers, home.fallback]


def mount_pages(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    for router in page_routers():
        app.include_router(router)
