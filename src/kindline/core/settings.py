"""Settings from KINDLINE_* environment variables and an optional .env file.

One place reads the environment so that the CLI, the server and the tests agree
on which database, clock and SMS driver are in use.
"""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_VAR_DIR = Path("var")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KINDLINE_", env_file=".env", extra="ignore")

    database_url: str = f"sqlite:///{DEFAULT_VAR_DIR}/kindline.db"
    timezone: str = "Asia/Shanghai"
    # "real", or "virtual:<ISO 8601 time>" for demos and acceptance tests.
    clock: str = "real"
    # "log" keeps every SMS in the sms_messages table (shown on a console page).
    sms_driver: str = "log"
    # The SMS business hall's number, and the Kannel gateway (sms_driver "kannel"):
    # MT through smsbox's sendsms URL, MO into /api/v1/sms/mo with this secret
    # (no secret: the MO endpoint refuses everything).
    sms_service_number: str = "10001"
    kannel_sendsms_url: str = "http://127.0.0.1:13013/cgi-bin/sendsms"
    kannel_username: str = ""
    kannel_password: str = ""
    sms_mo_secret: str = ""
    secret_key: str = ""
    var_dir: Path = DEFAULT_VAR_DIR
    # The real-name age from which a subscriber counts as elderly.
    elderly_age: int = 65
    # SLA policies for work orders (empty: the defaults in workorders/sla_policies.yaml).
    workorder_sla_file: str = ""
    # Hotline: 一键接入人工 (a real-name subscriber aged elderly_age+ or in the care
    # archive skips the IVR), and the routing policy (empty: hotline/routing_policy.yaml).
    hotline_elder_rule: bool = True
    hotline_policy_file: str = ""
    # Run the outbox worker inside the web process (the one-laptop set-up).
    embedded_worker: bool = True

    def resolved_secret_key(self) -> str:
        """The configured key, else one generated once and kept under var/."""
        if self.secret_key:
            return self.secret_key
        path = self.var_dir / "secret.key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
        return path.read_text().strip()


@lru_cache
def get_settings() -> Settings:
    return Settings()
