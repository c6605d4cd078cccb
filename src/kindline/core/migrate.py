"""Apply and inspect the Alembic migrations shipped inside the package."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current_heads() -> tuple[str, ...]:
    from alembic.script import ScriptDirectory

    return tuple(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


def revision(message: str) -> None:
    """Autogenerate a migration against a scratch SQLite database at head."""
    import tempfile

    from kindline.core.db import make_engine

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/scratch.db"
        upgrade(make_engine(url))
        command.revision(alembic_config(url), message=message, autogenerate=True)


if __name__ == "__main__":  # `make migration m="..."`
    import sys

    revision(sys.argv[2] if len(sys.argv) > 2 else sys.argv[1])
