"""Pages on a hall's own screens: the kiosk and the lobby board (no sign-in)."""

from __future__ import annotations

from kindline.web.routing import page_router

router = page_router("/floor")
