"""Server-rendered pages: the staff console and the subscriber portal."""

from __future__ import annotations

from fastapi import FastAPI


def mount(app: FastAPI) -> None:
    """Attach the pages and their static files (filled in by web.pages)."""
    from kindline.web.pages import mount_pages

    mount_pages(app)
