"""Portal hall pages: the hall finder, remote tickets and class sign-up."""

from __future__ import annotations

from kindline.web.portal import LOGIN
from kindline.web.routing import page_router

router = page_router("/portal", login_path=LOGIN)
