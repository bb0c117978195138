"""`jwtauth keys list|rotate|revoke` against the database of a running `jwtauth serve`: the
output contract (a table, or JSON with --json; rotate prints the new kid as its last word),
the exit codes, and a running server following each change within seconds."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest


def published_kids(base: str) -> list[str]:
    with urllib.request.urlopen(base + "/.well-known/jwks.json", timeout=5) as response:
        return [key["kid"] for key in json.load(response)["keys"]]


def wait_for(what: str, condition, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    pytest.fail(f"never happened: {what}")


@pytest.fixture
def server(jwtauth_bin: str, tmp_path: Path):
    """A `jwtauth serve` on a fresh data directory and a free port; yields (base URL, data dir)."""
    data = tmp_path / "data"
    process = subprocess.Popen(
        [jwtauth_bin, "serve", "--data-dir", str(data), "--port", "0", "--log-level", "warning"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        match = re.search(r"listening on (http://\S+)", line)
        assert match, f"serve did not start: {line!r} {process.stderr.read() if process.poll() is not None else ''}"
        yield match.group(1), data
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0


def test_keys_commands_change_the_running_servers_keys(cli, server):
    base, data = server
    store = ["--data-dir", str(data)]

    listed = json.loads(cli.ok("keys", "list", *store, "--json"))
    assert [key["state"] for key in listed] == ["current", "next"]
    current, upcoming = listed[0]["kid"], listed[1]["kid"]
    assert published_kids(base) == [current, upcoming]
    for key in listed:
        assert key["alg"] == "ES256" and isinstance(key["created_at"], int)
    table = cli.ok("keys", "list", *store).decode()
    assert table.splitlines()[0].split() == ["KID", "ALG", "STATE", "CREATED", "ACTIVATED", "RETIRED", "REVOKED"]
    assert current in table and upcoming in table

    # rotate: the next key signs now; its kid is the last word on stdout. It was published
    # less than the publish-ahead (1 h) ago: done, with a warning on stderr.
    r = cli.run("keys", "rotate", *store)
    assert r.returncode == 0, r.describe()
    out = r.stdout.decode()
    assert out.split()[-1] == upcoming, out
    assert r.stderr.startswith("warning: ") and "remote verifiers" in r.stderr and upcoming in r.stderr, r.describe()
    wait_for("the server publishes the rotated keys", lambda: published_kids(base)[0] == upcoming)
    assert current in published_kids(base), "the retired key stays published"

    # With a publish-ahead the key has had (none), no warning.
    r = cli.run("keys", "rotate", *store, "--key-publish-ahead", "0")
    assert r.returncode == 0 and r.stderr == "", r.describe()
    upcoming = r.stdout.decode().split()[-1]
    wait_for("the server publishes the second rotation", lambda: published_kids(base)[0] == upcoming)

    # revoke: out of the server's JWKS within seconds.
    r = cli.run("keys", "revoke", current, *store)
    assert r.returncode == 0, r.describe()
    wait_for("the revoked key leaves the JWKS", lambda: current not in published_kids(base))
    states = {key["kid"]: key["state"] for key in json.loads(cli.ok("keys", "list", *store, "--json"))}
    assert states[current] == "revoked" and states[upcoming] == "current"

    r = cli.run("keys", "revoke", "no-such-kid", *store)
    assert r.returncode == 1 and r.error_code == "not_found", r.describe()
    assert r.stdout == b""


def test_keys_commands_refuse_what_they_cannot_do(cli, tmp_path):
    # No keys yet (no server has started on this data directory).
    r = cli.run("keys", "rotate", "--data-dir", str(tmp_path / "empty"))
    assert r.returncode == 1 and r.error_code == "not_found", r.describe()
    # Keys from files: rotate and revoke say so (a usage error).
    keys_dir = tmp_path / "keys"
    keys_dir.mkdir()
    (keys_dir / "signing.jwk").write_bytes(cli.ok("keys", "generate", "--alg", "ES256"))
    for args in (["rotate"], ["revoke", "some-kid"]):
        r = cli.run("keys", *args, "--data-dir", str(tmp_path / "empty"), "--keys-dir", str(keys_dir))
        assert r.returncode == 2 and r.error_code == "invalid_input", r.describe()
        assert "keys come from files" in r.stderr
    listed = json.loads(cli.ok("keys", "list", "--keys-dir", str(keys_dir), "--json"))
    assert [key["state"] for key in listed] == ["current"]


def test_a_database_other_than_the_default_needs_the_key_encryption_key_file(cli, tmp_path):
    """Only the zero-configuration SQLite file gets a key-encryption key made for it: serve and
    keys refuse any other database without --key-encryption-key-file, naming it, and create
    nothing; keys never creates one, not even for the default database."""
    data = tmp_path / "data"
    for database in (f"sqlite:{tmp_path / 'elsewhere.sqlite'}", "postgres://jwtauth:secret@127.0.0.1:1/jwtauth"):
        for args in (["serve", "--port", "0"], ["keys", "rotate"], ["keys", "revoke", "some-kid"]):
            r = cli.run(*args, "--data-dir", str(data), "--database", database, timeout=30)
            assert r.returncode == 2 and r.error_code == "invalid_input", r.describe()
            assert "--key-encryption-key-file" in r.stderr and "JWTAUTH_KEY_ENCRYPTION_KEY_FILE" in r.stderr, r.describe()
            assert "secret" not in r.stderr, "the database password is never printed"
    assert not data.exists() and not (tmp_path / "elsewhere.sqlite").exists()

    # The default database: keys rotate on an empty data directory creates no key.
    r = cli.run("keys", "rotate", "--data-dir", str(data))
    assert r.returncode == 1 and r.error_code == "not_found", r.describe()
    assert not (data / "keys" / "key-encryption.key").exists()


def test_serve_refuses_a_rotation_that_would_publish_too_many_keys(cli, tmp_path):
    data = tmp_path / "data"
    r = cli.run("serve", "--data-dir", str(data), "--port", "0", "--key-rotation", "10s", "--key-publish-ahead", "10s", timeout=30)
    assert r.returncode == 2 and r.error_code == "invalid_input", r.describe()
    assert "--key-rotation" in r.stderr and "rotate every 111s or more" in r.stderr, r.describe()
    assert not data.exists()
