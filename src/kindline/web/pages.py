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
        console_field,
        console_halls,
        console_hotline,
        console_kpi,
        console_money,
        console_orders,
        console_reports,
        console_sms,
        console_staffing,
        console_surveys,
        console_workorder_forms,
        console_workorders,
        hall_floor,
        home,
        portal,
        portal_classes,
        portal_halls,
        portal_lines,
        portal_money,
        portal_workorders,
    )

    modules = (home, console, console_customer, console_orders, console_money, console_sms, console_kpi,
               console_workorders, console_workorder_forms, console_reports, console_field, console_surveys, console_hotline,
               console_staffing, console_halls, hall_floor, portal, portal_lines, portal_money, portal_halls, portal_classes,
               portal_workorders)
    routers = [module.router for module in modules]
    return [*routers, home.fallback]


def mount_pages(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    for router in page_routers():
        app.include_router(router)
