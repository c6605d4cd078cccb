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


def revision(message: str, rev_id: str | None = None) -> None:
    """Autogenerate a migration against a scratch SQLite database at head; the
    next number ("0003", ...) is its id unless one is given."""
    import tempfile

    from kindline.core.db import make_engine

    versions = MIGRATIONS / "versions"
    rev_id = rev_id or f"{len(list(versions.glob('[0-9][0-9][0-9][0-9]_*.py'))) + 1:04d}"
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/scratch.db"
        upgrade(make_engine(url))
        script = command.revision(alembic_config(url), message=message, autogenerate=True, rev_id=rev_id)
    _qualify_text(Path(script.path))


def redo(rev_id: str, message: str) -> None:
    """Regenerate the newest, not yet released migration after its models changed
    again (development only: never redo a migration that has shipped)."""
    for path in (MIGRATIONS / "versions").glob(f"{rev_id}_*.py"):
        path.unlink()
    revision(message, rev_id)


def _qualify_text(path: Path) -> None:
    """Autogenerate writes a bare `Text()` for the JSON type's impl; qualify it."""
    import re
    import shutil
    import subprocess

    source = path.read_text()
    path.write_text(re.sub(r"(?<![\w.])Text\(\)", "sa.Text()", source))
    if ruff := shutil.which("ruff"):  # sort the generated imports as the lint wants them
        subprocess.run([ruff, "check", "--fix", "--quiet", str(path)], check=False)


if __name__ == "__main__":  # `make migration m="..."` or `python -m kindline.core.migrate redo 0003 "..."`
    import sys

    if sys.argv[1] == "redo":
        redo(sys.argv[2], sys.argv[3])
    else:
        revision(sys.argv[2] if len(sys.argv) > 2 else sys.argv[1])
