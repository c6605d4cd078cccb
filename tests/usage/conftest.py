"""Fixtures of the usage tests."""

from __future__ import annotations

import pytest

from tests.usage.helpers import line_with, load_demo_catalog, register


@pytest.fixture
def twin_lines(runtime):
    """Two identical sets of lines, so one input can be rated by both pipelines."""
    from datetime import date

    from kindline.core.db import transaction
    from kindline.customers import lines

    load_demo_catalog(runtime)
    twins = []
    for _ in range(2):
        holder, elder = register(runtime), register(runtime, birth=date(1950, 1, 1))
        primary = line_with(runtime, "MOB-98", "AUTO-UP-1G", customer_id=holder, paid_fen=2_500)
        secondary = line_with(runtime, "MOB-SEC", customer_id=holder, primary=primary, paid_fen=0)
        small = line_with(runtime, "MOB-39", paid_fen=1_600)
        card = line_with(runtime, "ELDER-CARD", customer_id=elder, paid_fen=600)
        with transaction(runtime.sessions) as session:
            lines.add_family_number(session, runtime.clock, lines.by_number(session, card), small, "女儿")
        twins.append([primary, secondary, small, card])
    return twins
