"""Masking of personal data: shown masked by default everywhere (API, pages, logs)."""

from __future__ import annotations


def mask_id_number(number: str) -> str:
    """110101********0129: the area code and the last four stay readable."""
    if len(number) < 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask_phone(number: str) -> str:
    """138****5678 for an 11-digit number; other lengths keep three and four."""
    if len(number) < 8:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 7) + number[-4:]
