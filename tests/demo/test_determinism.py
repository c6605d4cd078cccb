"""Same seed, same data, on any database; another seed, other data."""

from __future__ import annotations

from pathlib import Path

from kindline.core.auth.service import Tokens
from kindline.core.clock import VirtualClock
from kindline.core.db import make_engine, make_session_factory
from kindline.core.migrate import upgrade
from kindline.core.runtime import Runtime
from kindline.core.settings import Settings
from tests.conftest import START
from tests.demo import FEW, SEED, digest, load_small


def _fresh_sqlite(folder: Path) -> Runtime:
    """Another, empty database (SQLite, whatever the fixture's one is)."""
    folder.mkdir()
    url = f"sqlite:///{folder / 'kindline.db'}"
    engine = make_engine(url)
    upgrade(engine)
    settings = Settings(database_url=url, var_dir=folder, secret_key="test-secret", embedded_worker=False)
    return Runtime(settings=settings, engine=engine, sessions=make_session_factory(engine),
                   clock=VirtualClock(START), tokens=Tokens(settings.secret_key))


def _digest_of_load(runtime: Runtime, seed: int, subscribers: int = FEW) -> str:
    try:
        load_small(runtime, subscribers, seed)
        return digest(runtime.sessions)
    finally:
        runtime.engine.dispose()


def test_same_seed_gives_identical_data_on_a_fresh_database(runtime, tmp_path):
    """On the PostgreSQL run this compares PostgreSQL with SQLite."""
    load_small(runtime, FEW, SEED)
    assert digest(runtime.sessions) == _digest_of_load(_fresh_sqlite(tmp_path / "again"), SEED)


def test_another_seed_gives_other_data(tmp_path):
    """Seeds, not databases, make the difference: SQLite only, and a handful of subscribers."""
    first = _digest_of_load(_fresh_sqlite(tmp_path / "first"), SEED, 20)
    assert first != _digest_of_load(_fresh_sqlite(tmp_path / "other"), SEED + 1, 20)
