"""Logging with personal data masked: ID numbers and mobile numbers that reach
a log line (a search URL in the access log, an error message) are masked the
same way as in answers and pages."""

from __future__ import annotations

import logging
import re

from kindline.core.masking import mask_id_number, mask_phone

_ID = re.compile(r"(?<![0-9])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])\d{2}\d{3}[\dXx](?![0-9])")
_MOBILE = re.compile(r"(?<![0-9])1[3-9]\d{9}(?![0-9])")


def mask_text(text: str) -> str:
    text = _ID.sub(lambda m: mask_id_number(m.group(0)), text)
    return _MOBILE.sub(lambda m: mask_phone(m.group(0)), text)


class PiiFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def install_pii_filter(*logger_names: str) -> None:
    """Mask on every handler of the named loggers (uvicorn's and ours)."""
    for name in logger_names or ("", "uvicorn", "uvicorn.access", "uvicorn.error", "kindline"):
        logger = logging.getLogger(name)
        for target in (logger, *logger.handlers):
            if not any(isinstance(f, PiiFilter) for f in target.filters):
                target.addFilter(PiiFilter())
