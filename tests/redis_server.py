"""A real ``redis-server`` for tests: started on 127.0.0.1 with AOF persistence, stopped afterwards.

Tests that use :func:`redis_server` are skipped, with the reason, when the
``redis-server`` binary (Debian package ``redis-server``) or the ``redis``
Python package is absent.
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

SKIP_REASON = (
    "redis-server is not installed (apt-get update && apt-get install -y redis-server); "
    "the shared-index tests need a real server"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RedisServer:
    """One redis-server process on 127.0.0.1 with AOF (``appendfsync always``) in ``workdir``."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.port = _free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        exe = shutil.which("redis-server")
        assert exe is not None
        self.proc = subprocess.Popen(
            [
                exe, "--bind", "127.0.0.1", "--port", str(self.port), "--dir", str(self.workdir),
                "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--protected-mode", "yes",
                "--daemonize", "no", "--logfile", str(self.workdir / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        import redis

        deadline = time.monotonic() + 20
        while True:
            try:
                redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=0.5).ping()
                return
            except redis.ConnectionError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"redis-server did not start; see {self.workdir / 'redis.log'}"
                    ) from None
                time.sleep(0.05)

    def kill(self) -> None:
        """Kill the server abruptly (SIGKILL); its AOF keeps every acknowledged write."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


@pytest.fixture(name="redis_server")
def redis_server_fixture(tmp_path: Path) -> Iterator[RedisServer]:
    """A fresh redis-server for one test."""
    if shutil.which("redis-server") is None:
        pytest.skip(SKIP_REASON)
    pytest.importorskip(
        "redis", reason="the redis package is not installed: pip install 'boilerplate-detect[redis]'"
    )
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()
