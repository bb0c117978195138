"""`jwtauth serve` as a process: configured from `JWTAUTH_*` variables alone (flags win over
them, a bad value is a usage error naming the variable), and draining an in-flight request on
SIGTERM or SIGINT before it exits 0."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
from pathlib import Path

import pytest

from conftest import b64url_decode
from test_cli_clients import Server

PASSWORD = "correct horse battery"


class BareServer(Server):
    """A `jwtauth serve` process started without the flags `Server` adds."""

    def __init__(self, process: subprocess.Popen, url: str):
        self.process = process
        self.url = url


def clean_environment(**variables: str) -> dict:
    """The test's environment without any JWTAUTH_* setting, plus `variables`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("JWTAUTH_")}
    env.update(variables)
    return env


def register_and_login(server: Server, name: str = "alice") -> dict:
    headers = {"Content-Type": "application/json"}
    body = json.dumps({"username": name, "password": PASSWORD}).encode()
    status, _, answer = server.request("POST", "/auth/register", headers, body)
    assert status == 201, answer
    status, _, answer = server.request("POST", "/auth/login", headers, body)
    assert status == 200, answer
    return json.loads(answer)


def claims(token: str) -> dict:
    return json.loads(b64url_decode(token.split(".")[1]))


def test_every_setting_can_come_from_the_environment(jwtauth_bin, tmp_path: Path):
    env = clean_environment(
        JWTAUTH_PORT="0",
        JWTAUTH_DATA_DIR=str(tmp_path / "data"),
        JWTAUTH_ISSUER="https://env.example.test",
        JWTAUTH_AUDIENCE="env-api",
        JWTAUTH_ALG="EdDSA",
        JWTAUTH_ACCESS_TTL="7s",
        JWTAUTH_REFRESH_TTL="2m",
        JWTAUTH_BCRYPT_COST="10",
        JWTAUTH_LOG_LEVEL="error",
    )
    # No flags at all (`Server` would add some).
    process = subprocess.Popen([jwtauth_bin, "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        line = process.stdout.readline().decode()
        match = re.search(r"listening on (http://[^ ]+)", line)
        assert match, f"serve did not start from the environment: {line!r}"
        assert "issuer https://env.example.test" in line, line
        tokens = register_and_login(BareServer(process, match.group(1)))
        # Counted from the request, so a second boundary may pass in between.
        assert tokens["expires_in"] in (6, 7) and tokens["refresh_expires_in"] in (119, 120), tokens
        access = claims(tokens["access_token"])
        assert access["iss"] == "https://env.example.test" and access["aud"] in ("env-api", ["env-api"]), access
        header = json.loads(b64url_decode(tokens["access_token"].split(".")[0]))
        assert header["alg"] == "EdDSA", header
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0


def test_a_flag_wins_over_its_variable(jwtauth_bin, tmp_path: Path):
    env = clean_environment(JWTAUTH_ACCESS_TTL="7s", JWTAUTH_BCRYPT_COST="10")
    server = Server(jwtauth_bin, str(tmp_path / "data"), "--access-ttl", "9s", env=env)
    try:
        assert register_and_login(server)["expires_in"] in (8, 9)
    finally:
        server.stop()


@pytest.mark.parametrize(
    "variable, value",
    [("JWTAUTH_ACCESS_TTL", "banana"), ("JWTAUTH_PORT", "eighty"), ("JWTAUTH_REGISTER_LIMIT", "10"), ("JWTAUTH_IDLE_TIMEOUT", "0s")],
)
def test_a_bad_variable_is_a_usage_error(jwtauth_bin, tmp_path: Path, variable: str, value: str):
    env = clean_environment(**({"JWTAUTH_DATA_DIR": str(tmp_path / "data"), "JWTAUTH_PORT": "0"} | {variable: value}))
    result = subprocess.run([jwtauth_bin, "serve"], env=env, capture_output=True, timeout=60)
    assert result.returncode == 2, (result.returncode, result.stderr.decode()[:400])
    message = result.stderr.decode()
    flag = "--" + variable.removeprefix("JWTAUTH_").lower().replace("_", "-")
    assert variable in message or flag in message, message[:400]
    assert result.stdout == b"", "nothing was started"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_drains_the_request_in_flight_then_exits_0(jwtauth_bin, tmp_path: Path, sig):
    server = Server(jwtauth_bin, str(tmp_path / "data"), "--bcrypt-cost", "10", env=clean_environment())
    try:
        register_and_login(server)
        host, port = server.url.removeprefix("http://").rsplit(":", 1)
        body = json.dumps({"username": "alice", "password": PASSWORD}).encode()
        head = (
            f"POST /auth/login HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        ).encode()
        in_flight = socket.create_connection((host, int(port)), timeout=30)
        # The headers and half the body: the server is now reading this request.
        in_flight.sendall(head + body[: len(body) // 2])
        # A full round trip on another connection, so that the server has surely taken the first.
        status, _, _ = server.request("GET", "/health")
        assert status == 200
        server.process.send_signal(sig)
        in_flight.sendall(body[len(body) // 2 :])
        answer = b""
        while chunk := in_flight.recv(65536):
            answer += chunk
        in_flight.close()
        assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
        assert b"access_token" in answer
        assert server.process.wait(timeout=30) == 0, "the server exits 0 after draining"
    finally:
        if server.process.poll() is None:
            server.process.kill()
