"""The `kindline` command: help on every verb, and the verbs that change data."""

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from kindline.catalog.loader import DEMO_CATALOG
from kindline.cli import app
from kindline.core.auth.models import StaffUser
from kindline.core.settings import get_settings

runner = CliRunner()
VERBS = [[], ["run"], ["serve"], ["db"], ["db", "upgrade"], ["demo"], ["demo", "load"], ["catalog"],
         ["catalog", "load"], ["users"], ["users", "create"], ["vip"], ["vip", "recompute"], ["worker"]]


@pytest.mark.parametrize("verb", VERBS, ids=lambda v: " ".join(v) or "kindline")
def test_every_verb_has_help(verb):
    result = runner.invoke(app, [*verb, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


@pytest.fixture
def configured(runtime, monkeypatch, tmp_path):
    monkeypatch.setenv("KINDLINE_DATABASE_URL", runtime.settings.database_url)
    monkeypatch.setenv("KINDLINE_VAR_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield runtime
    get_settings.cache_clear()


def test_db_upgrade_catalog_load_and_users_create(configured):
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    first = runner.invoke(app, ["catalog", "load", str(DEMO_CATALOG)])
    assert first.exit_code == 0, first.output
    again = runner.invoke(app, ["catalog", "load", str(DEMO_CATALOG)])
    assert "新增产品 0" in again.output
    made = runner.invoke(app, ["users", "create", "li", "--role", "agent", "--role", "hall_clerk",
                               "--password", "pw-1234"])
    assert made.exit_code == 0, made.output
    with configured.sessions() as session:
        user = session.scalar(select(StaffUser).where(StaffUser.username == "li"))
    assert user.roles == ["agent", "hall_clerk"]
    bad = runner.invoke(app, ["users", "create", "wang", "--role", "emperor", "--password", "pw-1234"])
    assert bad.exit_code != 0


def test_missing_catalog_file_is_a_clear_error(configured, tmp_path):
    result = runner.invoke(app, ["catalog", "load", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2 and "does not exist" in result.output
