"""The API fuzz pass of CI: start the sandbox and the hub under gunicorn, create a channel
with a key, and run schemathesis against the hub's own OpenAPI document (every check, about
25 examples per operation, stateful links). Exits non-zero on any server error or failed check.

    .venv/bin/python tests/api_fuzz.py [--examples 25] [--seed 1] [extra `st run` options]
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TOKEN = "sandbox-token"
SCOPES = "orders:write,orders:read,catalog:write,catalog:read,stock:read"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{proc.args[:3]} exited with {proc.returncode}")
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return
        except requests.RequestException:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer in {timeout} s")


def manage(env: dict, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(f"manage.py {args[0]} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def hub_env(tmp: Path, sandbox_url: str, hub_url: str) -> dict:
    """A deploy-like hub (DEBUG off, so errors are answered as in production) on a database
    of its own, against the sandbox."""
    return {
        **os.environ,
        "DEBUG": "False",
        "SECRET_KEY": "api-fuzz-" + os.urandom(16).hex(),
        "SECURE_SSL_REDIRECT": "False",
        "DATABASE_URL": os.environ.get("FUZZ_DATABASE_URL", f"sqlite:///{tmp / 'hub.sqlite3'}"),
        "XENTRAL_URL": sandbox_url,
        "XENTRAL_TOKEN": TOKEN,
        "XENTRAL_RATE_LIMIT": "100000000",
        "HUB_BASE_URL": hub_url,
        # The fuzzer sends far more than a channel's 600 requests a minute.
        "API_CHANNEL_RATE": "100000/min",
        "LOG_LEVEL": "WARNING",
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=25)
    parser.add_argument("--seed", type=int, default=int(os.environ.get("FUZZ_SEED", "1")))
    args, extra = parser.parse_known_args()
    tmp = Path(tempfile.mkdtemp(prefix="api-fuzz-"))
    sandbox_port, hub_port = free_port(), free_port()
    sandbox_url, hub_url = f"http://127.0.0.1:{sandbox_port}", f"http://127.0.0.1:{hub_port}"
    env = hub_env(tmp, sandbox_url, hub_url)
    hub_log = tmp / "hub.log"
    procs: list[subprocess.Popen] = []
    try:
        sandbox = subprocess.Popen(
            [sys.executable, "manage.py", "run_sandbox", "--port", str(sandbox_port),
             "--rate-limit", "off", "--token", TOKEN, "--seed", "demo"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        procs.append(sandbox)
        wait_http(f"{sandbox_url}/_sandbox/state", sandbox)
        manage(env, "migrate", "--noinput")
        key = manage(
            env, "create_channel", "Fuzz", "--scopes", SCOPES, "--allow-customer-creation",
            "--sales-channel-id", "1",
        ).strip().splitlines()[-1]  # fmt: skip
        hub = subprocess.Popen(
            [str(BIN / "gunicorn"), "backoffice.wsgi", "-w", "2", "--threads", "4",
             "-k", "gthread", "-b", f"127.0.0.1:{hub_port}", "--log-level", "warning"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=hub_log.open("w"),
        )  # fmt: skip
        procs.append(hub)
        wait_http(f"{hub_url}/healthz", hub)
        command = [
            str(BIN / "st"), "--config-file", str(ROOT / ".ci" / "schemathesis.toml"),
            "run", f"{hub_url}/api/v1/schema?format=json", "--url", hub_url,
            "--checks", "all", "--max-examples", str(args.examples), "--seed", str(args.seed),
            "--workers", "1", "--request-timeout", "30", "--no-color",
            "--header", f"Authorization: Bearer {key}", *extra,
        ]  # fmt: skip
        returncode = subprocess.run(command, cwd=tmp).returncode
        if returncode:
            # The hub's own account of what went wrong (tracebacks of 500s are logged there).
            print(hub_log.read_text()[-20_000:], file=sys.stderr)
        return returncode
    finally:
        for proc in reversed(procs):
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
