"""`jwtauth clients add|list|remove`: output shapes and exit codes, and what a removal does to a
running `jwtauth serve` on the same data directory (its client-credentials tokens are refused at
once, and the revocation is on the feed)."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest


@pytest.fixture()
def data_dir(tmp_path: Path) -> str:
    return str(tmp_path / "data")


def add(cli, data_dir: str, name: str, scope: str = "revocations:read") -> dict:
    out = cli.ok("clients", "add", name, "--scope", scope, "--data-dir", data_dir)
    assert out.count(b"\n") == 1 and out.endswith(b"\n"), f"clients add printed more than one line: {out!r}"
    return json.loads(out)


def test_add_prints_exactly_the_id_and_the_secret(cli, data_dir):
    created = add(cli, data_dir, "orders-api", "revocations:read,orders")
    assert set(created) == {"client_id", "client_secret"}
    assert re.fullmatch(r"c_[A-Za-z0-9_-]{22}", created["client_id"])
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", created["client_secret"]), "32 random bytes, base64url"
    assert add(cli, data_dir, "orders-api")["client_id"] != created["client_id"]


def test_list_shows_clients_but_never_a_secret_or_its_hash(cli, data_dir):
    first = add(cli, data_dir, "orders-api", "revocations:read,orders")
    second = add(cli, data_dir, "billing")
    listed = json.loads(cli.ok("clients", "list", "--json", "--data-dir", data_dir))
    assert [c["id"] for c in listed] == [first["client_id"], second["client_id"]]
    assert set(listed[0]) == {"id", "name", "scopes", "created_at"}
    assert listed[0]["name"] == "orders-api" and listed[0]["scopes"] == ["revocations:read", "orders"]
    assert isinstance(listed[0]["created_at"], int) and abs(listed[0]["created_at"] - time.time()) < 600
    table = cli.ok("clients", "list", "--data-dir", data_dir).decode()
    assert table.splitlines()[0].split() == ["ID", "NAME", "SCOPES", "CREATED"]
    assert first["client_id"] in table and "billing" in table
    for secret in (first["client_secret"], second["client_secret"]):
        digest = base64.urlsafe_b64encode(hashlib.sha256(secret.encode()).digest()).rstrip(b"=").decode()
        for output in (table, json.dumps(listed)):
            assert secret not in output and digest not in output


def test_remove_and_its_errors(cli, data_dir):
    created = add(cli, data_dir, "orders-api")
    r = cli.run("clients", "remove", created["client_id"], "--data-dir", data_dir)
    assert r.returncode == 0, r.describe()
    assert json.loads(cli.ok("clients", "list", "--json", "--data-dir", data_dir)) == []
    again = cli.run("clients", "remove", created["client_id"], "--data-dir", data_dir)
    assert again.returncode == 1 and again.error_code == "not_found", again.describe()


@pytest.mark.parametrize(
    "args",
    [
        ["clients", "add", "x", "--scope", "two words"],
        ["clients", "add", "x", "--scope", ""],
        ["clients", "add", "", "--scope", "a"],
    ],
    ids=["scope with a space", "no scope", "empty name"],
)
def test_bad_input_is_a_usage_error(cli, data_dir, args):
    r = cli.run(*args, "--data-dir", data_dir)
    assert r.returncode == 2 and r.error_code == "invalid_input", r.describe()
    assert r.stdout == b""


def test_missing_scope_flag_is_a_usage_error(cli, data_dir):
    r = cli.run("clients", "add", "x", "--data-dir", data_dir)
    assert r.returncode == 2, r.describe()


class Server:
    """`jwtauth serve` on a free port and the given data directory, until stopped."""

    def __init__(self, binary: str, data_dir: str, *extra: str, env: dict | None = None):
        self.process = subprocess.Popen(
            [binary, "serve", "--port", "0", "--data-dir", data_dir, "--log-level", "error", *extra],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline().decode()
        match = re.search(r"listening on (http://[^ ]+)", line)
        if not match:
            self.stop()
            pytest.fail(f"serve did not start: {line!r} {self.process.stderr.read().decode()[:400] if self.process.stderr else ''}")
        self.url = match.group(1)

    def request(self, method: str, path: str, headers: dict | None = None, body: bytes | None = None) -> tuple[int, dict, bytes]:
        req = urllib.request.Request(self.url + path, data=body, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=10) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            assert self.process.wait(timeout=30) == 0, "serve exits 0 on SIGTERM"
        finally:
            if self.process.poll() is None:
                self.process.kill()


def test_removal_takes_effect_on_a_running_server(cli, data_dir, jwtauth_bin):
    reader = add(cli, data_dir, "reader")
    removed = add(cli, data_dir, "removed")
    server = Server(jwtauth_bin, data_dir)
    try:
        def token(client: dict) -> str:
            credentials = base64.b64encode(f"{client['client_id']}:{client['client_secret']}".encode()).decode()
            status, headers, body = server.request(
                "POST", "/oauth/token",
                {"Authorization": "Basic " + credentials, "Content-Type": "application/x-www-form-urlencoded"},
                b"grant_type=client_credentials&scope=revocations%3Aread",
            )
            assert status == 200, body
            assert headers.get("Cache-Control") == "no-store"
            response = json.loads(body)
            assert set(response) == {"access_token", "token_type", "expires_in", "scope"}
            return response["access_token"]

        def feed(access_token: str, after: str | None = None) -> tuple[int, dict]:
            query = "?after=" + urllib.parse.quote(after) if after else ""
            status, _, body = server.request("GET", "/oauth/revocations" + query, {"Authorization": "Bearer " + access_token, "Accept": "application/json"})
            return status, (json.loads(body) if status == 200 else {})

        reading, doomed = token(reader), token(removed)
        status, page = feed(reading)
        assert status == 200 and "cursor" in page
        assert feed(doomed)[0] == 200

        cli.ok("clients", "remove", removed["client_id"], "--data-dir", data_dir)
        deadline = time.monotonic() + 20
        while feed(doomed)[0] != 401 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert feed(doomed)[0] == 401, "the running server refuses the removed client's token"
        status, later = feed(reading, page["cursor"])
        assert status == 200
        assert any(e["type"] == "user-revoked" and e["sub"] == removed["client_id"] and "id" in e for e in later["events"]), later
    finally:
        server.stop()


def client_token(server: Server, client: dict) -> str:
    credentials = base64.b64encode(f"{client['client_id']}:{client['client_secret']}".encode()).decode()
    status, _, body = server.request(
        "POST", "/oauth/token",
        {"Authorization": "Basic " + credentials, "Content-Type": "application/x-www-form-urlencoded"},
        b"grant_type=client_credentials",
    )
    assert status == 200, body
    return json.loads(body)["access_token"]


@pytest.mark.parametrize("how", ["flag", "environment"])
def test_revocation_heartbeat_is_configurable(cli, data_dir, jwtauth_bin, how):
    reader = add(cli, data_dir, "reader")
    if how == "flag":
        server = Server(jwtauth_bin, data_dir, "--revocation-heartbeat", "200ms")
    else:
        server = Server(jwtauth_bin, data_dir, env={**os.environ, "JWTAUTH_REVOCATION_HEARTBEAT": "200ms"})
    try:
        host, port = server.url.removeprefix("http://").rsplit(":", 1)
        with socket.create_connection((host.strip("[]"), int(port)), timeout=20) as connection:
            connection.sendall(
                f"GET /oauth/revocations HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {client_token(server, reader)}\r\n\r\n".encode()
            )
            received = b""
            while received.count(b"event: heartbeat") < 2:
                chunk = connection.recv(65536)
                assert chunk, f"the stream ended early: {received!r}"
                received += chunk
        head = received.split(b"\r\n\r\n", 1)[0].decode().lower()
        assert head.startswith("http/1.1 200") and "content-type: text/event-stream" in head
        assert received.index(b"event: ready") < received.index(b"event: heartbeat")
    finally:
        server.stop()


@pytest.mark.parametrize("value", ["0", "50ms", "61s", "soon"])
def test_revocation_heartbeat_out_of_range_is_a_usage_error(cli, data_dir, value):
    r = cli.run("serve", "--port", "0", "--data-dir", data_dir, "--revocation-heartbeat", value)
    assert r.returncode == 2, r.describe()
