"""Stopping `manage.py run_hub` leaves nothing running: each child leads its own process group,
and the group is stopped even when its leader is gone (qcluster's workers outlive a killed
parent)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support import ROOT, WHOLE_PRODUCT, free_port, wait_for_port

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True), WHOLE_PRODUCT]


def _stat(pid: int) -> tuple[str, int, int] | None:
    """(state, parent pid, process group) of a process, or None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    state, ppid, pgrp = text.rpartition(")")[2].split()[:3]
    return state, int(ppid), int(pgrp)


def _live(**match: int) -> list[int]:
    """Pids of live (not zombie) processes with the given ppid and/or pgrp."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        stat = _stat(int(entry.name))
        if stat is None or stat[0] == "Z":
            continue
        fields = {"ppid": stat[1], "pgrp": stat[2]}
        if all(fields[key] == value for key, value in match.items()):
            found.append(int(entry.name))
    return found


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except FileNotFoundError:
        return ""


def _until(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.2)
    raise AssertionError(f"not within {timeout:g} s: {what}")


@pytest.fixture
def hub(tmp_path):
    """A running run_hub with its web server answering, and the pids of its children."""
    port, sandbox_port, centra_port = free_port(), free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("XENTRAL_URL", "HUB_TEST_DB")}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'hub.sqlite3'}"
    env["Q2_REDIS_URL"] = ""
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env, check=True,
        capture_output=True,
    )  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "run_hub", "--port", str(port),
         "--sandbox-port", str(sandbox_port), "--sandbox-state", str(tmp_path / "state.json"),
         "--centra-port", str(centra_port)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )  # fmt: skip
    try:
        wait_for_port(port, timeout=90, proc=proc)
        children = _live(ppid=proc.pid)
        qcluster = next(pid for pid in children if "qcluster" in _cmdline(pid))
        # The cluster's own children (sentinel, pusher, monitor, workers) share its group.
        _until(lambda: len(_live(pgrp=qcluster)) >= 4, 30, "qcluster starts its workers")
        yield proc, children, qcluster
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        for pid in _live():
            if _stat(pid) and _stat(pid)[2] in children:
                os.kill(pid, signal.SIGKILL)


@pytest.mark.parametrize("stop", ["sigterm_to_run_hub", "kill_9_of_the_qcluster_parent"])
def test_stopping_leaves_no_process_of_the_hub_running(hub, stop):
    proc, children, qcluster = hub
    workers = _live(pgrp=qcluster)

    if stop == "sigterm_to_run_hub":
        proc.send_signal(signal.SIGTERM)
    else:
        os.kill(qcluster, signal.SIGKILL)
    output, _ = proc.communicate(timeout=40)

    assert proc.returncode == 0
    assert len(children) == 4  # sandbox, Centra stand-in, web server, qcluster
    assert len(workers) >= 4
    assert [pid for group in children for pid in _live(pgrp=group)] == []
    if stop == "kill_9_of_the_qcluster_parent":
        assert "qcluster exited (-9)" in output
