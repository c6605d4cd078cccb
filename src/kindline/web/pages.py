"""Mount the server-rendered pages: the front door, the staff console, the
subscriber portal and their stylesheet."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).resolve().parent / "static"


def mount_pages(app: FastAPI) -> None:
    from kindline.web import console, console_customer, console_orders, home, portal, portal_lines

    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    for module in (home, console, console_customer, console_orders, portal, portal_lines):
        app.include_router(module.router)
