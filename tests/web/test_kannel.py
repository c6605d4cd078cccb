"""The Kannel driver against a real Kannel (Debian's kannel and kannel-extras).

bearerbox, smsbox and Kannel's fake SMSC (fakesmsc, from kannel-extras) run on
free ports. fakesmsc plays the subscriber's handset: it sends 余额 from a
registered number; bearerbox hands it to smsbox, whose sms-service calls the
live kindline server's MO endpoint; the hall queues the balance reply in the
outbox; the server's worker delivers it with the kannel driver through
smsbox's sendsms; and fakesmsc prints the MT it receives, which must be the
reply the hall made.

The live server runs on SQLite (the fixture decides): a PostgreSQL run would
test nothing more of the gateway. Missing binaries fail the test, never skip
it: CI installs them (Makefile DEBIAN_TEST_PACKAGES).
"""

from __future__ import annotations

import re
import secrets
import shutil
import subprocess
import threading
import time
from pathlib import Path
from urllib.parse import quote_from_bytes, unquote_to_bytes

import httpx
import pytest
from sqlalchemy import select

from kindline.core import outbox, sms
from kindline.core.money import yuan
from kindline.sms import kannel
from kindline.sms.models import SmsIncoming
from tests.web.conftest import _free_port

INSTALL_HINT = "install Debian's kannel and kannel-extras (make system-test-deps, or apt-get install kannel kannel-extras)"
_GOT = re.compile(r"Got message \d+: <(\S+) (\S+) (\S+) (.*)>")


def _binary(name: str, package: str) -> str:
    found = shutil.which(name) or next((p for p in (f"/usr/sbin/{name}", f"/usr/bin/{name}") if Path(p).exists()), None)
    if found is None:
        try:
            listing = subprocess.run(["dpkg", "-L", package], capture_output=True, text=True, check=False).stdout
        except FileNotFoundError:
            listing = ""
        found = next((p for p in listing.splitlines() if p.endswith(f"/{name}") and Path(p).is_file()), None)
    if found is None:
        pytest.fail(f"Kannel's {name} is missing: {INSTALL_HINT}")
    return found


def _conf(folder: Path, ports: dict[str, int], mo_url: str, user: str, password: str) -> Path:
    text = f"""
group = core
admin-port = {ports["admin"]}
admin-password = {password}
smsbox-port = {ports["smsbox"]}
box-allow-ip = 127.0.0.1
log-file = "{folder / "bearerbox.log"}"
log-level = 1

group = smsc
smsc = fake
smsc-id = fake
port = {ports["fake"]}
connect-allow-ip = 127.0.0.1

group = smsbox
bearerbox-host = 127.0.0.1
sendsms-port = {ports["sendsms"]}
log-file = "{folder / "smsbox.log"}"
log-level = 1

group = sendsms-user
username = {user}
password = {password}

group = sms-service
keyword = default
catch-all = true
max-messages = 0
omit-empty = true
get-url = "{mo_url}"
"""
    path = folder / "kannel.conf"
    path.write_text(text)
    return path


class Process:
    """A started binary whose output is collected line by line."""

    def __init__(self, args: list[str], log: Path) -> None:
        self.lines: list[str] = []
        self.log = log
        self.popen = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        with self.log.open("w") as out:
            for raw in self.popen.stdout:
                line = raw.decode("utf-8", "replace").rstrip("\n")
                self.lines.append(line)
                out.write(line + "\n")
                out.flush()

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=5)
        self.reader.join(timeout=5)


def _wait(what: str, check, timeout: float, logs: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    details = "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}" for p in sorted(logs.glob("*.log")))
    pytest.fail(f"{what} within {timeout:.0f}s\n{details}")


def _decode_mt(kind: str, data: str) -> str:
    raw = unquote_to_bytes(data.replace("+", "%20"))
    return raw.decode("utf-16-be") if kind.lower() in ("ucs-2", "ucs2") else raw.decode("utf-8", "replace")


def test_balance_by_sms_through_kannel(live, tmp_path, monkeypatch):
    bearerbox, smsbox = _binary("bearerbox", "kannel"), _binary("smsbox", "kannel")
    fakesmsc = _binary("fakesmsc", "kannel-extras")
    secret, user, password = secrets.token_hex(12), "kindline", secrets.token_hex(8)
    ports = {name: _free_port() for name in ("admin", "smsbox", "fake", "sendsms")}
    mo_url = (f"{live.url}/api/v1/sms/mo?secret={secret}&from=%p&to=%P&text=%a&coding=%c&charset=%C&id=%I")
    conf = _conf(tmp_path, ports, mo_url, user, password)
    monkeypatch.setattr(live.runtime.settings, "sms_mo_secret", secret)
    monkeypatch.setattr(kannel, "_config", kannel.KannelConfig(
        f"http://127.0.0.1:{ports['sendsms']}/cgi-bin/sendsms", user, password))
    phone = live.young.phone
    started: list[Process] = []
    try:
        started.append(Process([bearerbox, str(conf)], tmp_path / "bearerbox.out.log"))
        _wait("bearerbox's admin port did not answer", lambda: httpx.get(
            f"http://127.0.0.1:{ports['admin']}/status.txt?password={password}", timeout=1).status_code == 200,
            15, tmp_path)
        started.append(Process([smsbox, str(conf)], tmp_path / "smsbox.out.log"))
        _wait("smsbox did not connect to bearerbox", lambda: "smsbox:" in httpx.get(
            f"http://127.0.0.1:{ports['admin']}/status.txt?password={password}", timeout=1).text, 15, tmp_path)
        _wait("smsbox's sendsms port did not answer", lambda: httpx.get(
            f"http://127.0.0.1:{ports['sendsms']}/cgi-bin/sendsms", timeout=1).status_code in (202, 403, 400),
            15, tmp_path)
        while outbox.deliver_due(live.runtime.sessions, live.runtime.clock):
            pass  # what earlier tests queued leaves through the log driver first
        sms.install_driver("kannel")  # the live server's worker now delivers through Kannel
        mo = f"{phone} 10001 ucs2 {quote_from_bytes('余额'.encode('utf-16-be'))}"
        handset = Process([fakesmsc, "-H", "127.0.0.1", "-r", str(ports["fake"]), "-i", "0.1", "-m", "1", mo],
                          tmp_path / "fakesmsc.log")
        started.append(handset)

        def received() -> list[tuple[str, str, str]]:
            return [(m.group(1), m.group(2), _decode_mt(m.group(3), m.group(4)))
                    for line in list(handset.lines) if (m := _GOT.search(line))]

        # The balance answer, "截至…余额为…" or, for a holder other tests left in arrears, "截至…欠费…".
        _wait("no MT reached the fake SMSC", lambda: any("截至" in text for *_n, text in received()), 30, tmp_path)
    finally:
        sms.install_driver("log")
        for process in reversed(started):
            process.stop()

    with live.runtime.sessions() as session:
        incoming = session.scalars(select(SmsIncoming).where(SmsIncoming.sender == phone)
                                   .order_by(SmsIncoming.id.desc())).first()
        from kindline.billing.service import balance_of, line_by_msisdn

        view = balance_of(session, live.runtime.clock, line_by_msisdn(session, phone))
    assert incoming is not None and incoming.text == "余额" and incoming.gateway_id
    (reply,) = incoming.replies
    assert (f"欠费{yuan(-view.balance_fen)}元" if view.in_arrears else f"余额为{yuan(view.balance_fen)}元") in reply
    assert (("10001", phone, reply) in received()), received()
