"""Console hall pages: the clerk's counter and the manager's dashboard."""

from __future__ import annotations

from kindline.web.console import LOGIN
from kindline.web.routing import page_router

router = page_router("/console", login_path=LOGIN)
