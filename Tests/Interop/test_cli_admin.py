"""`jwtauth users …`, `jwtauth sessions …` and `jwtauth audit` against a running `jwtauth serve`
on the same data directory: output shapes, exit codes, the effect on the running server at
once, and the audit log (written on SIGTERM, mirrored to stdout, never holding a secret)."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import pytest

from test_cli_clients import Server

PASSWORD = "correct horse battery"


@pytest.fixture()
def data_dir(tmp_path: Path) -> str:
    return str(tmp_path / "data")


def add_user(cli, data_dir: str, name: str, *extra: str) -> dict:
    return json.loads(cli.ok("users", "add", name, *extra, "--data-dir", data_dir, stdin=(PASSWORD + "\n").encode()))


def login(server: Server, name: str, password: str = PASSWORD) -> tuple[int, dict]:
    status, _, body = server.request(
        "POST", "/auth/login", {"Content-Type": "application/json", "User-Agent": "interop/1.0"},
        json.dumps({"username": name, "password": password}).encode(),
    )
    return status, (json.loads(body) if body else {})


def me(server: Server, access: str) -> int:
    return server.request("GET", "/api/me", {"Authorization": "Bearer " + access})[0]


def eventually(condition, what: str) -> None:
    deadline = time.monotonic() + 20
    while not condition():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.02)


def audit(cli, data_dir: str, *extra: str) -> list[dict]:
    out = cli.ok("audit", "--json", "--data-dir", data_dir, *extra).decode()
    return [json.loads(line) for line in out.splitlines()]


def test_users_commands_take_effect_on_a_running_server(cli, data_dir, jwtauth_bin):
    alice = add_user(cli, data_dir, "alice")
    add_user(cli, data_dir, "bob", "--admin")
    server = Server(jwtauth_bin, data_dir)
    try:
        status, tokens = login(server, "alice")
        assert status == 200 and me(server, tokens["access_token"]) == 200

        listed = json.loads(cli.ok("users", "list", "--json", "--data-dir", data_dir))
        assert [u["username"] for u in listed] == ["alice", "bob"]
        assert set(listed[0]) == {"id", "username", "roles", "disabled", "created_at"}
        table = cli.ok("users", "list", "--data-dir", data_dir).decode()
        assert table.splitlines()[0].split() == ["ID", "USERNAME", "ROLES", "DISABLED", "CREATED"]
        assert "$2" not in table + json.dumps(listed), "never a password hash"

        disabled = json.loads(cli.ok("users", "disable", "alice", "--json", "--data-dir", data_dir))
        assert disabled["id"] == alice["id"] and disabled["disabled"] is True
        eventually(lambda: me(server, tokens["access_token"]) == 401, "the disabled user's token is refused")
        assert login(server, "alice")[0] == 401
        cli.ok("users", "enable", alice["id"], "--data-dir", data_dir)
        status, tokens = login(server, "alice")
        assert status == 200

        new_password = "another good password"
        cli.ok("users", "set-password", "alice", "--data-dir", data_dir, stdin=(new_password + "\r\n").encode())
        eventually(lambda: me(server, tokens["access_token"]) == 401, "the old session ends with the password change")
        assert login(server, "alice")[0] == 401
        status, tokens = login(server, "alice", new_password)
        assert status == 200, "one trailing CRLF is stripped, nothing more"
        short = cli.run("users", "set-password", "alice", "--data-dir", data_dir, stdin=b"short\n")
        assert short.returncode == 2 and short.error_code == "invalid_input", short.describe()

        cli.ok("users", "remove", "alice", "--data-dir", data_dir)
        eventually(lambda: me(server, tokens["access_token"]) == 401, "the removed user's token is refused")
        for args in (["users", "disable", "alice"], ["users", "remove", alice["id"]], ["sessions", "revoke-user", "nobody"]):
            r = cli.run(*args, "--data-dir", data_dir)
            assert r.returncode == 1 and r.error_code == "not_found", r.describe()
            assert len(r.stderr.strip().splitlines()) == 1
    finally:
        server.stop()


def test_sessions_commands(cli, data_dir, jwtauth_bin):
    add_user(cli, data_dir, "alice")
    server = Server(jwtauth_bin, data_dir)
    try:
        first, second = login(server, "alice")[1], login(server, "alice")[1]
        sessions = json.loads(cli.ok("sessions", "list", "--user", "alice", "--json", "--data-dir", data_dir))
        assert len(sessions) == 2 and all(s["user_agent"] == "interop/1.0" for s in sessions)
        assert "USER AGENT" in cli.ok("sessions", "list", "--data-dir", data_dir).decode().splitlines()[0]
        sid = json.loads(server.request("GET", "/api/me", {"Authorization": "Bearer " + first["access_token"]})[2])["sid"]
        revoked = json.loads(cli.ok("sessions", "revoke", sid, "--json", "--data-dir", data_dir))
        assert revoked["id"] == sid
        eventually(lambda: me(server, first["access_token"]) == 401, "the revoked session's token is refused")
        assert me(server, second["access_token"]) == 200
        again = cli.run("sessions", "revoke", sid, "--data-dir", data_dir)
        assert again.returncode == 1 and again.error_code == "not_found", again.describe()
        cli.ok("sessions", "revoke-user", "alice", "--data-dir", data_dir)
        eventually(lambda: me(server, second["access_token"]) == 401, "every session of the user ends")
    finally:
        server.stop()


def test_audit_is_written_on_sigterm_mirrored_to_stdout_and_holds_no_secret(cli, data_dir, jwtauth_bin):
    add_user(cli, data_dir, "alice")
    server = Server(jwtauth_bin, data_dir, "--audit-log", "stdout")
    status, tokens = login(server, "alice")
    assert status == 200
    assert login(server, "alice", "wrong password!")[0] == 401
    # SIGTERM at once: the events must be written by the shutdown, not lost with the queue.
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(timeout=30) == 0
    assert server.process.stdout is not None
    lines = [json.loads(line) for line in server.process.stdout.read().decode().splitlines() if line.strip()]
    assert [e["event"] for e in lines] == ["login_succeeded", "login_failed"], lines

    events = audit(cli, data_dir, "--user", "alice")
    assert [e["event"] for e in events] == ["user_registered", "login_succeeded", "login_failed"]
    login_event = events[1]
    assert set(login_event) == {"id", "time", "event", "user_id", "session_id", "client_id", "key_id", "client_address", "user_agent", "outcome"}
    assert login_event["user_agent"] == "interop/1.0" and login_event["client_address"] == "127.0.0.1"
    assert events[2]["outcome"] == "invalid_credentials"
    assert [e["event"] for e in audit(cli, data_dir, "--event", "login_failed", "--since", "1h")] == ["login_failed"]
    assert audit(cli, data_dir, "--since", "2000-01-01T00:00:00Z")[0]["event"] == "user_registered"
    assert "EVENT" in cli.ok("audit", "--data-dir", data_dir).decode().splitlines()[0]
    bad = cli.run("audit", "--event", "nonsense", "--data-dir", data_dir)
    assert bad.returncode == 2, bad.describe()

    stored = b"".join(p.read_bytes() for p in Path(data_dir).glob("jwtauth.sqlite*"))
    for secret in (PASSWORD, "wrong password!", tokens["access_token"].split(".")[2], tokens["refresh_token"].split(".")[2]):
        assert secret.encode() not in stored
