"""The README's tour runs as written: its shell blocks against a hub started the way `make run`
starts it (`manage.py run_hub` on a fresh database). Only the port (a free one, so parallel runs
do not collide) and the pasted key differ from what a reader types."""

import os
import re
import signal
import subprocess
import sys
import threading
import time

import pytest

from tests.support import ROOT, WHOLE_PRODUCT, free_port

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True), WHOLE_PRODUCT]

KEY_LINE = "KEY='paste the API key make run printed here'"


def tour_blocks() -> list[str]:
    """The fenced `sh` blocks of the README's tour, without their list indentation."""
    readme = (ROOT / "README.md").read_text()
    tour = readme[readme.index("## A five-minute tour") :]
    tour = tour[: tour.index("\n## ", 1)]
    blocks = re.findall(r"^( *)```sh\n(.*?)^\1```", tour, flags=re.M | re.S)
    return [
        "\n".join(line.removeprefix(indent) for line in body.splitlines())
        for indent, body in blocks
    ]


class Hub:
    """`run_hub` in its own process group, its output collected by a thread."""

    def __init__(self, tmp_path):
        self.port, sandbox_port = free_port(), free_port()
        env = {k: v for k, v in os.environ.items() if k not in ("XENTRAL_URL", "HUB_TEST_DB")}
        env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'hub.sqlite3'}"
        env["Q2_REDIS_URL"] = ""
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env, check=True,
            capture_output=True,
        )  # fmt: skip
        self.proc = subprocess.Popen(
            [sys.executable, "manage.py", "run_hub", "--port", str(self.port),
             "--sandbox-port", str(sandbox_port), "--sandbox-state", str(tmp_path / "state.json"),
             "--centra-port", str(free_port())],  # never the fixed 8766 another run may hold
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            start_new_session=True,
        )  # fmt: skip
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line)

    def printed_key(self, timeout: float = 100) -> str:
        """The key of the banner's `API key` line, once the hub says it is running."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.lines:
                found = re.match(r"\s+API key\s+(xh_\S+)", line)
                if found and any("Xentral Hub is running" in x for x in self.lines):
                    return found.group(1)
            if self.proc.poll() is not None:
                break
            time.sleep(0.2)
        raise AssertionError("run_hub printed no key:\n" + "".join(self.lines)[-3000:])

    def stop(self) -> None:
        os.killpg(self.proc.pid, signal.SIGINT)
        self.proc.wait(timeout=30)


def test_the_readme_tour_runs_as_written(tmp_path):
    blocks = tour_blocks()
    assert len(blocks) == 4
    assert blocks[0].splitlines()[0] == KEY_LINE
    hub = Hub(tmp_path)
    try:
        key = hub.printed_key()
        script = "\n".join(blocks)
        script = script.replace(KEY_LINE, f"KEY='{key}'")
        script = script.replace("http://127.0.0.1:8000", f"http://127.0.0.1:{hub.port}")
        run = subprocess.run(
            ["bash", "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=60
        )
    finally:
        hub.stop()
    assert run.stderr == ""
    statuses = re.findall(r"^HTTP (\d{3})$", run.stdout, flags=re.M)
    assert statuses == ["201", "200", "409", "422", "200"], run.stdout
    answers = [a for a in re.split(r"^HTTP \d{3}$", run.stdout, flags=re.M) if a.strip()]
    assert '"reference":"SHOP-1001"' in answers[0].replace(" ", "")
    assert '"code":"unknown_sku"' in answers[3].replace(" ", "")
    assert '"sku":"ART-001"' in answers[4].replace(" ", "")
