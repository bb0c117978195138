"""Shared helpers for the interoperability and CLI-level tests.

The jwtauth binary under test comes from the environment variable JWTAUTH_BIN
(Tests/Interop/run.sh sets it). Nothing here touches the network.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

ALGORITHMS = [
    "HS256", "HS384", "HS512",
    "RS256", "RS384", "RS512",
    "PS256", "PS384", "PS512",
    "ES256", "ES384", "ES512",
    "EdDSA",
]
HMAC = {"HS256", "HS384", "HS512"}


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass
class Result:
    args: list[str]
    returncode: int
    stdout: bytes
    stderr: str

    def describe(self) -> str:
        return (
            f"command: jwtauth {' '.join(self.args)}\n"
            f"exit: {self.returncode}\nstdout: {self.stdout[:400]!r}\nstderr: {self.stderr[:400]}"
        )

    @property
    def error_code(self) -> str | None:
        """The <code> of an `error: <code>: <message>` line on stderr, if any."""
        for line in self.stderr.splitlines():
            if line.startswith("error: "):
                rest = line[len("error: "):]
                return rest.split(":", 1)[0].strip()
        return None


class JWTAuthCLI:
    def __init__(self, binary: str, workdir: Path):
        self.binary = binary
        self.workdir = workdir
        self._counter = 0

    def run(self, *args: str, stdin: bytes | None = None, timeout: float = 60) -> Result:
        proc = subprocess.run(
            [self.binary, *args],
            input=stdin if stdin is not None else b"",
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            timeout=timeout,
            cwd=self.workdir,
        )
        return Result(list(args), proc.returncode, proc.stdout, proc.stderr.decode("utf-8", "replace"))

    def ok(self, *args: str, stdin: bytes | None = None) -> bytes:
        r = self.run(*args, stdin=stdin)
        assert r.returncode == 0, r.describe()
        return r.stdout

    def write(self, content: str | bytes | dict, suffix: str = ".jwk") -> str:
        """Writes content to a fresh file in the work directory and returns its path."""
        self._counter += 1
        path = self.workdir / f"file{self._counter}{suffix}"
        if isinstance(content, dict):
            content = json.dumps(content)
        if isinstance(content, str):
            content = content.encode("utf-8")
        path.write_bytes(content)
        return str(path)

    def generate(self, alg: str, *extra: str) -> dict:
        out = self.ok("keys", "generate", "--alg", alg, *extra)
        assert out.count(b"\n") <= 1, f"keys generate printed more than one line: {out!r}"
        return json.loads(out)

    def public(self, private_path: str) -> dict:
        return json.loads(self.ok("keys", "public", private_path))


@pytest.fixture(scope="session")
def jwtauth_bin() -> str:
    binary = os.environ.get("JWTAUTH_BIN")
    if not binary:
        pytest.exit("JWTAUTH_BIN is not set: point it at the jwtauth binary (Tests/Interop/run.sh does)", returncode=2)
    if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
        pytest.exit(f"JWTAUTH_BIN={binary} is not an executable file", returncode=2)
    return os.path.abspath(binary)


@pytest.fixture(scope="session")
def cli(jwtauth_bin: str, tmp_path_factory: pytest.TempPathFactory) -> JWTAuthCLI:
    return JWTAuthCLI(jwtauth_bin, tmp_path_factory.mktemp("jwtauth"))
