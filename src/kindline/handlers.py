"""Where every domain names its timer and outbox handlers, in one place.

core/ may not import a domain, so the process entry points (the app factory,
the CLI and the tests) call `install()` once; each domain adds one line here.
"""

from __future__ import annotations

from kindline.core import sms


def install(sms_driver: str = "log") -> None:
    sms.install_driver(sms_driver)
