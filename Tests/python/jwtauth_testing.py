"""What the Python black-box suites share (Tests/Browser, Tests/Cluster, Tests/Gateway): waiting
for a condition, free ports, log tails, a clean environment for children, and `jwtauth serve` as
a child process.

The suites' run.sh put this directory on PYTHONPATH."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import Callable, Iterable

import pytest


def wait_for(condition: Callable[[], object], timeout: float, what: str, interval: float = 0.05):
    """Polls `condition` until it returns something truthy and returns that; fails the test after
    `timeout` seconds. Other exceptions count as "not yet" (a page between states, a server not
    yet up) and the last one is reported; a failed assertion inside is a failure at once."""
    deadline = time.monotonic() + timeout
    last_error: BaseException | None = None
    while True:
        try:
            value = condition()
            if value:
                return value
        except AssertionError:
            raise
        except Exception as error:  # noqa: BLE001 - reported below
            last_error = error
        if time.monotonic() >= deadline:
            detail = f" (last error: {last_error!r})" if last_error else ""
            pytest.fail(f"timed out after {timeout:.1f} s waiting for {what}{detail}")
        time.sleep(interval)


def free_port() -> int:
    """A TCP port on loopback that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tail(path: Path | None, lines: int = 40) -> str:
    """The last `lines` lines of a log file, for a failure message."""
    if path is None:
        return "(no log)"
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"


def clean_environment(**variables: str) -> dict[str, str]:
    """This process's environment without any JWTAUTH_* setting, plus `variables`: a server's
    settings come from its flags alone, never from a developer's shell (a database URL, say)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("JWTAUTH_")}
    env.update(variables)
    return env


class ServeProcess:
    """`jwtauth serve` (or any jwtauth command that prints "listening on http://HOST:PORT") as a
    child process: its stdout and stderr go to `log`, and `wait_listening` returns its base URL."""

    LISTENING = re.compile(rb"listening on (http://[^\s,)]+)")

    def __init__(self, binary: str, arguments: Iterable[str], log: Path, cwd: Path | None = None,
                 env: dict[str, str] | None = None, new_session: bool = False):
        self.binary = binary
        self.arguments = list(arguments)
        self.log = log
        self.cwd = cwd
        self.env = env if env is not None else clean_environment()
        self.new_session = new_session
        self.process: subprocess.Popen | None = None
        self.base = ""
        self._listening = threading.Event()

    @property
    def port(self) -> int:
        return int(self.base.rsplit(":", 1)[1]) if self.base else 0

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self) -> None:
        self._listening.clear()
        self.base = ""
        with open(self.log, "ab", buffering=0) as log:
            self.process = subprocess.Popen(
                [self.binary, *self.arguments],
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log, cwd=self.cwd, env=self.env,
                start_new_session=self.new_session,
            )
        threading.Thread(target=self._pump, name=f"stdout-{self.pid}", daemon=True).start()

    def _pump(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        with open(self.log, "ab", buffering=0) as log:
            for line in self.process.stdout:
                log.write(b"stdout: " + line)
                match = self.LISTENING.search(line)
                if match and not self._listening.is_set():
                    # The origin is 127.0.0.1 (browsers treat localhost as another site).
                    self.base = match.group(1).decode().rstrip("/").replace("//localhost:", "//127.0.0.1:")
                    self._listening.set()

    def wait_listening(self, timeout: float = 60) -> str:
        """The base URL once the process says it listens; fails the test if it exits first."""
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while not self._listening.wait(0.05):
            if self.process.poll() is not None:
                pytest.fail(f"{self.binary} exited with {self.process.returncode} before listening:\n{tail(self.log)}")
            if time.monotonic() > deadline:
                pytest.fail(f"{self.binary} printed no 'listening' line within {timeout} s:\n{tail(self.log)}")
        return self.base

    def stop(self, timeout: float = 20) -> int | None:
        """SIGTERM (a graceful shutdown), SIGKILL after `timeout`; returns the exit status."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
