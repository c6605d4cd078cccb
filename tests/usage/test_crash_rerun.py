"""A rating run killed part way loses nothing and charges nothing twice.

The real CLI rates a file in small chunks in a child process; the test kills
it (SIGKILL: no clean-up runs) once some chunks have committed, reruns the
same file, and compares every charge, balance, counter and reminder with the
twin lines that rated the same records in one uninterrupted run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import polars as pl
from sqlalchemy import func, select

from kindline.usage import service
from kindline.usage.models import UsageRecord
from tests.usage.helpers import books, mixed_input


def _rated_count(runtime) -> int:
    with runtime.sessions() as session:
        return session.scalar(select(func.count()).select_from(UsageRecord))


def _cli(runtime, tmp_path, file, chunk: int):
    env = {**os.environ, "KINDLINE_DATABASE_URL": runtime.engine.url.render_as_string(hide_password=False),
           "KINDLINE_CLOCK": runtime.settings.clock, "KINDLINE_SECRET_KEY": "test-secret",
           "KINDLINE_VAR_DIR": str(tmp_path)}
    return subprocess.Popen([sys.executable, "-m", "kindline.cli", "usage", "rate", str(file), "--mode", "records",
                             "--chunk", str(chunk)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_killed_run_then_rerun_leaves_exact_books(runtime, twin_lines, tmp_path):
    first, second = twin_lines
    raw = mixed_input(first, 11, count=3000)
    file = tmp_path / "usage.csv"
    raw.write_csv(file)

    child = _cli(runtime, tmp_path, file, chunk=2)  # small commits, so the kill lands between two of them
    deadline = time.monotonic() + 120
    while _rated_count(runtime) < 20 and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    child.send_signal(signal.SIGKILL)
    child.wait()
    part_way = _rated_count(runtime)
    assert 0 < part_way < raw.height, f"the kill should land mid-run, got {part_way} of {raw.height}"

    rerun = _cli(runtime, tmp_path, file, chunk=500)  # the rerun's own chunking must not matter
    out, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err.decode()
    assert _rated_count(runtime) == raw.height

    mapping = dict(zip(first, second, strict=True))
    twin = raw.with_columns(pl.col("msisdn").replace(mapping), pl.col("peer").replace(mapping),
                            pl.col("record_id") + "b")
    service.rate(runtime.sessions, runtime.clock, twin, mode="records", chunk_size=10)
    a, b = books(runtime, first), books(runtime, second)
    assert a[0] == [(rid.removesuffix("b"), *rest) for rid, *rest in b[0]]
    assert a[1:] == b[1:]
