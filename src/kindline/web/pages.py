"""Placeholder until the pages land."""


def mount_pages(app) -> None:
    return None
