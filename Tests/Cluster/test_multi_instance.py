"""Several `jwtauth serve` processes on one PostgreSQL and one Redis (the README's sessions, stores and HTTP API).

Three instances A, B and C share a PostgreSQL database (users), a Redis (sessions, the
revocation feed and the failed-login counts) and a keys directory (the signing key). The
tests check that what one instance does (refresh, logout, logout-all, admin revoke, reuse
detection, failed logins) holds on the others; measure how long a revocation takes to reach
the other instances; stop Redis and PostgreSQL under load and check that the instances fail
closed and recover by themselves; run the flow checks again on a Redis Cluster; and check
that the failed-login limit is shared by instances on PostgreSQL alone.

Everything runs on 127.0.0.1 with free ports: this module starts its own Redis, Redis
Cluster and PostgreSQL cluster and stops them afterwards (also when a test fails).
Tests/Cluster/run.sh sets up Python and runs it; the environment it reads:

    JWTAUTH_BIN               the jwtauth binary (required)
    JWTAUTH_CLUSTER_WORK      a scratch directory (default: a new temporary one)
    JWTAUTH_CLUSTER_RESULTS   where the latency report goes (default: Tests/Cluster/results)
    JWTAUTH_CLUSTER_TRIALS    revocation-latency trials (default 200)

HTTP goes through the standard library only (http.client, which urllib is built on).
No timing is asserted: latencies are measured and reported; a revocation that has not
reached an instance after 5 s fails the test.
"""

from __future__ import annotations

import base64
import collections
import glob
import http.client
import json
import math
import os
import pwd
import re
import shutil
import socket
import struct
import subprocess
import tempfile
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

import pytest

from jwtauth_testing import ServeProcess, free_port, tail, wait_for

HERE = Path(__file__).resolve().parent
ISSUER = "http://auth.test"
PASSWORD = "correct horse battery staple"
ADMIN_PASSWORD = "admin password for the cluster test"
BCRYPT_COST = "10"
MIN_OUTAGE = 2.0  # seconds Redis stays down under load
PROPAGATION_DEADLINE = 5.0  # seconds; a revocation not seen by then is a failure
RECOVERY_DEADLINE = 30.0  # seconds for an instance to work again after a store returns
TRIALS = int(os.environ.get("JWTAUTH_CLUSTER_TRIALS", "200"))
CLUSTER_TRIALS = max(1, TRIALS // 4)  # a shorter run on the Redis Cluster, for comparison


# ------------------------------------------------------------------------------------------
# Tools and scratch space
# ------------------------------------------------------------------------------------------

def _work_dir() -> Path:
    configured = os.environ.get("JWTAUTH_CLUSTER_WORK")
    path = Path(configured) if configured else Path(tempfile.mkdtemp(prefix="jwtauth-cluster."))
    path.mkdir(parents=True, exist_ok=True)
    (path / "pids").mkdir(exist_ok=True)
    return path


WORK = _work_dir()


def _register_pid(name: str, pid: int) -> None:
    """Records a child's pid so that run.sh can stop it if this process dies first."""
    (WORK / "pids" / f"{name}.pid").write_text(f"{pid}\n")


def _forget_pid(name: str) -> None:
    try:
        (WORK / "pids" / f"{name}.pid").unlink()
    except FileNotFoundError:
        pass


def _which(name: str) -> str:
    path = shutil.which(name)
    if not path:
        pytest.exit(f"{name} is not on PATH (apt-get install redis-server redis-tools)", returncode=2)
    return path


def _pg_bin() -> Path:
    configured = os.environ.get("JWTAUTH_PGBIN")
    if configured:
        return Path(configured)
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).parent

    def version(path: str) -> tuple[int, ...]:
        return tuple(int(part) for part in re.findall(r"\d+", path))

    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version)
    for candidate in reversed(candidates):
        if os.access(os.path.join(candidate, "initdb"), os.X_OK):
            return Path(candidate)
    pytest.exit("no PostgreSQL binaries (initdb, pg_ctl) on PATH or in /usr/lib/postgresql/*/bin", returncode=2)


def free_cluster_port(taken: set[int]) -> int:
    """A port for a Redis Cluster node: at most 55535, and its bus port (+10000) free too."""
    import random
    for _ in range(1000):
        port = random.randint(20000, 55535)
        if port in taken or port + 10000 in taken or port - 10000 in taken:
            continue
        try:
            with socket.socket() as a, socket.socket() as b:
                a.bind(("127.0.0.1", port))
                b.bind(("127.0.0.1", port + 10000))
        except OSError:
            continue
        taken.add(port)
        return port
    raise RuntimeError("no free port pair for a Redis Cluster node")


# ------------------------------------------------------------------------------------------
# Redis and PostgreSQL of our own
# ------------------------------------------------------------------------------------------

class RedisServer:
    """A redis-server child process without persistence, restartable on the same port."""

    def __init__(self, name: str, extra: Iterable[str] = (), port: int | None = None):
        self.name = name
        self.port = port or free_port()
        self.extra = list(extra)
        self.dir = WORK / f"redis-{name}"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.proc: subprocess.Popen | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                _which("redis-server"), "--bind", "127.0.0.1", "--port", str(self.port),
                "--daemonize", "no", "--dir", str(self.dir), "--logfile", str(self.dir / "redis.log"),
                "--save", "", "--appendonly", "no", *self.extra,
            ],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        _register_pid(f"redis-{self.name}", self.proc.pid)

        def ready() -> bool:
            if self.proc.poll() is not None:
                pytest.fail(f"redis-server {self.name} exited at start:\n{tail(self.dir / 'redis.log')}")
            return self.ping()

        wait_for(ready, 15, f"redis-server {self.name} on port {self.port}")

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(64).startswith(b"+PONG")
        except OSError:
            return False

    def cli(self, *args: str, timeout: float = 30) -> subprocess.CompletedProcess:
        return subprocess.run(
            [_which("redis-cli"), "-h", "127.0.0.1", "-p", str(self.port), *args],
            capture_output=True, text=True, timeout=timeout,
        )

    def shutdown(self) -> None:
        """SHUTDOWN NOSAVE, as an operator would; kills it if it does not go."""
        if self.proc is None:
            return
        self.cli("shutdown", "nosave", timeout=10)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None
        _forget_pid(f"redis-{self.name}")

    def kill(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.proc = None
        _forget_pid(f"redis-{self.name}")

    def remove(self) -> None:
        self.kill()  # its directory (the log) stays for run.sh to collect on failure


class PostgresServer:
    """A PostgreSQL cluster of our own: initdb in a temporary directory, trust auth."""

    def __init__(self):
        self.bin = _pg_bin()
        self.port = free_port()
        # Not under WORK: the postgres user must be able to reach the data directory.
        self.root = Path(tempfile.mkdtemp(prefix="jwtauth-cluster-pg."))
        self.data = self.root / "data"
        self.as_postgres: list[str] = []
        if os.geteuid() == 0:
            account = pwd.getpwnam("postgres")
            os.chown(self.root, account.pw_uid, account.pw_gid)
            self.as_postgres = ["runuser", "-u", "postgres", "--"]
        (WORK / "pgdata").write_text(f"{self.bin}\n{self.data}\n")

    @property
    def url(self) -> str:
        return f"postgres://jwtauth:jwtauth@127.0.0.1:{self.port}/jwtauth?sslmode=disable"

    def _run(self, *args: str, timeout: float = 60) -> None:
        result = subprocess.run([*self.as_postgres, *args], capture_output=True, text=True, timeout=timeout)
        if result.returncode != 0:
            pytest.fail(f"{' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
                        f"\n{tail(self.root / 'server.log')}")

    def init(self) -> None:
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
                  "-E", "UTF8", "--no-locale")
        self.start()
        self.psql("CREATE USER jwtauth PASSWORD 'jwtauth'")
        self.psql("CREATE DATABASE jwtauth OWNER jwtauth")

    def start(self) -> None:
        options = (f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.data} -c fsync=off "
                   f"-c max_connections=200")
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "server.log"),
                  "-w", "-t", "60", "-o", options, "start")

    def stop(self, mode: str = "fast") -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def psql(self, sql: str) -> None:
        psql = self.bin / "psql"
        command = str(psql) if psql.exists() else _which("psql")
        result = subprocess.run(
            [command, "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", "postgres",
             "-v", "ON_ERROR_STOP=1", "-q", "-c", sql],
            capture_output=True, text=True, timeout=60,
        )
        assert result.returncode == 0, f"psql {sql!r}: {result.stderr}"

    def remove(self) -> None:
        if self.running():
            subprocess.run([*self.as_postgres, str(self.bin / "pg_ctl"), "-D", str(self.data), "-m",
                            "immediate", "-w", "stop"], capture_output=True, timeout=60)
        try:
            (WORK / "postgres").mkdir(exist_ok=True)
            shutil.copy(self.root / "server.log", WORK / "postgres" / "server.log")
        except OSError:
            pass
        shutil.rmtree(self.root, ignore_errors=True)


# ------------------------------------------------------------------------------------------
# HTTP (standard library only)
# ------------------------------------------------------------------------------------------

@dataclass
class Resp:
    instance: str
    method: str
    path: str
    status: int
    headers: dict[str, str]
    body: bytes
    sent: float  # time.perf_counter() when the request was sent
    done: float  # ... and when the whole response had arrived

    @property
    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    @property
    def error(self) -> str | None:
        data = self.json
        return data.get("error") if isinstance(data, dict) else None

    @property
    def refused(self) -> bool:
        """A 401 with `error="invalid_token"`: what a revoked access token must get."""
        return self.status == 401 and 'error="invalid_token"' in self.headers.get("www-authenticate", "")

    def describe(self) -> str:
        body = self.body[:300].decode("utf-8", "replace")
        challenge = self.headers.get("www-authenticate")
        extra = f", WWW-Authenticate: {challenge}" if challenge else ""
        return f"{self.method} {self.path} on {self.instance} -> {self.status} {body}{extra}"


_local = threading.local()


class Instance:
    """One `jwtauth serve` process."""

    def __init__(self, name: str, binary: str, keys_dir: Path, database: str, sessions: str, tag: str):
        self.name = name
        self.binary = binary
        self.keys_dir = keys_dir
        self.database = database
        self.sessions = sessions
        self.dir = WORK / f"jwtauth-{tag}-{name}"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.log = self.dir / "output.log"
        self.tag = tag
        self.server = ServeProcess(
            binary,
            [
                "serve", "--host", "127.0.0.1", "--port", "0",
                "--keys-dir", str(keys_dir), "--database", database,
                # No --sessions: sessions and their revocation feed live in the database too.
                *(["--sessions", sessions] if sessions else []),
                "--issuer", ISSUER, "--bcrypt-cost", BCRYPT_COST,
                # Every test user registers from loopback.
                "--register-limit", "100000/1h",
            ],
            self.log, cwd=self.dir, new_session=True,
        )

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def proc(self) -> subprocess.Popen | None:
        return self.server.process

    def start(self) -> None:
        self.server.start()
        _register_pid(f"jwtauth-{self.tag}-{self.name}", self.server.pid)

    def wait_listening(self, timeout: float = 60) -> None:
        self.server.wait_listening(timeout)

    def stop(self) -> int | None:
        """SIGTERM (graceful shutdown), SIGKILL after 20 s; returns the exit status."""
        status = self.server.stop()
        _forget_pid(f"jwtauth-{self.tag}-{self.name}")
        return status

    # -- HTTP ----------------------------------------------------------------------------

    def request(self, method: str, path: str, body: dict | None = None, token: str | None = None,
                timeout: float = 15, form: dict | None = None) -> Resp:
        """One request. GETs reuse a per-thread keep-alive connection (and are retried once on a
        dropped connection); POSTs get a fresh connection and are never retried, so that a
        refresh is never sent twice by accident."""
        headers = {"User-Agent": "jwtauth-cluster-test"}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if form is not None:
            payload = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        reuse = method == "GET"
        pool: dict = _local.__dict__.setdefault("pool", {})
        for attempt in (0, 1):
            if reuse:
                conn = pool.get(self.port)
                if conn is None:
                    conn = pool[self.port] = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
                conn.timeout = timeout
            else:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
                headers["Connection"] = "close"
            sent = time.perf_counter()
            try:
                conn.request(method, path, body=payload, headers=headers)
                response = conn.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException):
                conn.close()
                pool.pop(self.port, None)
                if reuse and attempt == 0:
                    continue
                raise
            done = time.perf_counter()
            if not reuse:
                conn.close()
            return Resp(self.name, method, path, response.status,
                        {k.lower(): v for k, v in response.getheaders()}, data, sent, done)
        raise AssertionError("unreachable")

    def register(self, username: str, password: str = PASSWORD) -> Resp:
        return self.request("POST", "/auth/register", {"username": username, "password": password})

    def login(self, username: str, password: str = PASSWORD) -> Resp:
        return self.request("POST", "/auth/login", {"username": username, "password": password})

    def refresh(self, refresh_token: str) -> Resp:
        return self.request("POST", "/auth/refresh", {"refresh_token": refresh_token})

    def logout(self, refresh_token: str) -> Resp:
        return self.request("POST", "/auth/logout", {"refresh_token": refresh_token})

    def logout_all(self, access_token: str) -> Resp:
        return self.request("POST", "/auth/logout-all", token=access_token)

    def me(self, access_token: str, timeout: float = 15) -> Resp:
        return self.request("GET", "/api/me", token=access_token, timeout=timeout)

    def health(self) -> Resp:
        return self.request("GET", "/health", timeout=15)

    def oauth_revoke(self, token: str) -> Resp:
        return self.request("POST", "/oauth/revoke", form={"token": token})

    def admin_revoke(self, admin_token: str, user_id: str) -> Resp:
        return self.request("POST", f"/admin/users/{user_id}/revoke", token=admin_token)


def claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


@dataclass
class Tokens:
    access: str
    refresh: str

    @property
    def sid(self) -> str:
        return claims(self.access)["sid"]


def expect(resp: Resp, status: int, what: str, error: str | None = None) -> Resp:
    assert resp.status == status, f"{what}: expected {status}, got {resp.describe()}"
    if error is not None:
        assert resp.error == error, f"{what}: expected error {error!r}, got {resp.describe()}"
    return resp


def tokens_of(resp: Resp, what: str) -> Tokens:
    expect(resp, 200, what)
    data = resp.json
    assert data.get("token_type") == "Bearer" and data.get("access_token") and data.get("refresh_token"), \
        f"{what}: not a token response: {resp.describe()}"
    return Tokens(data["access_token"], data["refresh_token"])


def expect_refused(inst: Instance, access_token: str, what: str) -> Resp:
    resp = inst.me(access_token)
    assert resp.refused, f"{what}: expected 401 invalid_token, got {resp.describe()}"
    return resp


def wait_refused(inst: Instance, access_token: str, what: str, deadline: float = PROPAGATION_DEADLINE) -> float:
    """Polls /api/me on `inst` until the token is refused; returns the seconds it took."""
    start = time.perf_counter()
    while True:
        resp = inst.me(access_token)
        if resp.refused:
            return resp.done - start
        assert resp.status == 200, f"{what}: expected 200 (not yet propagated) or 401, got {resp.describe()}"
        if resp.done - start > deadline:
            pytest.fail(f"{what}: still accepted by {inst.name} {deadline:.0f} s after the revocation: {resp.describe()}")


def expect_accepted(inst: Instance, access_token: str, what: str) -> dict:
    resp = inst.me(access_token)
    expect(resp, 200, what)
    return resp.json


# ------------------------------------------------------------------------------------------
# Deployments: three instances on one PostgreSQL and one session store
# ------------------------------------------------------------------------------------------

class Deployment:
    def __init__(self, tag: str, binary: str, postgres: PostgresServer, sessions_url: str, keys_dir: Path):
        self.tag = tag
        self.instances = [Instance(name, binary, keys_dir, postgres.url, sessions_url, tag) for name in "ABC"]
        self.A, self.B, self.C = self.instances
        self.admin_id = ""
        self.admin_token = ""

    def start(self) -> None:
        for inst in self.instances:
            inst.start()
        for inst in self.instances:
            inst.wait_listening()

    def stop(self) -> list[str]:
        problems = []
        for inst in self.instances:
            status = inst.stop()
            if status not in (0, None):
                problems.append(f"instance {inst.name} ({self.tag}) exited with status {status} on SIGTERM:\n{tail(inst.log, 15)}")
        return problems

    def others(self, inst: Instance) -> list[Instance]:
        return [other for other in self.instances if other is not inst]

    def new_user(self, prefix: str, on: Instance | None = None) -> tuple[str, str]:
        username = f"{prefix}-{uuid.uuid4().hex[:10]}"
        resp = expect((on or self.A).register(username), 201, f"register {username}")
        return username, resp.json["id"]

    def sign_in_admin(self) -> None:
        tokens = tokens_of(self.A.login("admin", ADMIN_PASSWORD), "admin login on A")
        self.admin_token = tokens.access
        self.admin_id = claims(tokens.access)["sub"]


@pytest.fixture(scope="session")
def jwtauth_bin() -> str:
    binary = os.environ.get("JWTAUTH_BIN")
    if not binary or not os.access(binary, os.X_OK):
        pytest.exit(f"JWTAUTH_BIN={binary!r} is not an executable (Tests/Cluster/run.sh sets it)", returncode=2)
    return os.path.abspath(binary)


@pytest.fixture(scope="session")
def postgres(jwtauth_bin: str):
    server = PostgresServer()
    try:
        server.init()
        add = subprocess.run(
            [jwtauth_bin, "users", "add", "admin", "--admin", "--database", server.url, "--bcrypt-cost", BCRYPT_COST],
            input=ADMIN_PASSWORD + "\n", capture_output=True, text=True, timeout=120, cwd=WORK,
            env={k: v for k, v in os.environ.items() if not k.startswith("JWTAUTH_")},
        )
        assert add.returncode == 0, f"jwtauth users add admin: {add.returncode}\n{add.stdout}\n{add.stderr}"
        yield server
    finally:
        server.remove()


@pytest.fixture(scope="session")
def keys_dir() -> Path:
    path = WORK / "keys"
    path.mkdir(exist_ok=True)
    return path


def _deployment(tag: str, binary: str, postgres: PostgresServer, sessions_url: str, keys: Path):
    deployment = Deployment(tag, binary, postgres, sessions_url, keys)
    problems: list[str] = []
    try:
        deployment.start()
        deployment.sign_in_admin()
        yield deployment
    finally:
        problems = deployment.stop()
    assert not problems, "\n".join(problems)


# ------------------------------------------------------------------------------------------
# The checks shared by the single-Redis and Redis Cluster deployments
# ------------------------------------------------------------------------------------------

def check_cross_instance_use(d: Deployment) -> None:
    username, user_id = d.new_user("cross")
    t = tokens_of(d.A.login(username), "login on A")
    for inst in (d.B, d.C, d.A):
        me = expect_accepted(inst, t.access, f"access token from A used on {inst.name}")
        assert me["sub"] == user_id and me["sid"] == t.sid and me["username"] == username, me


def check_refresh_replay(d: Deployment) -> None:
    username, _ = d.new_user("replay")
    first = tokens_of(d.A.login(username), "login on A")
    second = tokens_of(d.A.refresh(first.refresh), "refresh on A")
    assert second.sid == first.sid
    expect_accepted(d.B, second.access, "rotated access token on B")
    # The old refresh token, replayed on another instance: reuse detected.
    expect(d.B.refresh(first.refresh), 400, "replay of the rotated refresh token on B", "invalid_grant")
    # The whole family is dead, on every instance.
    expect(d.C.refresh(second.refresh), 400, "refresh with the successor on C after the replay", "invalid_grant")
    expect_refused(d.B, second.access, "successor access token on B, the instance that saw the replay")
    for inst in d.instances:
        wait_refused(inst, second.access, f"successor access token on {inst.name} after the replay")
        wait_refused(inst, first.access, f"first access token on {inst.name} after the replay")


def check_logout(d: Deployment) -> None:
    username, _ = d.new_user("logout")
    t = tokens_of(d.A.login(username), "login on A")
    other = tokens_of(d.C.login(username), "second session, login on C")
    for inst in d.instances:
        expect_accepted(inst, t.access, f"access token on {inst.name} before logout")
    expect(d.B.logout(t.refresh), 204, "logout on B")
    expect_refused(d.B, t.access, "access token on B right after logout on B (same process: immediate)")
    for inst in (d.A, d.C):
        wait_refused(inst, t.access, f"access token on {inst.name} after logout on B")
    expect(d.C.refresh(t.refresh), 400, "refresh on C with the logged-out refresh token", "invalid_grant")
    # The user's other session is untouched.
    for inst in d.instances:
        expect_accepted(inst, other.access, f"the user's other session on {inst.name} after logout of one session")
    tokens_of(d.A.refresh(other.refresh), "refresh of the user's other session on A")


def check_logout_all(d: Deployment) -> None:
    username, _ = d.new_user("logoutall")
    bystander, _ = d.new_user("bystander")
    sessions = [
        tokens_of(d.A.login(username), "login 1 on A"),
        tokens_of(d.B.login(username), "login 2 on B"),
        tokens_of(d.C.login(username), "login 3 on C"),
    ]
    unrelated = tokens_of(d.B.login(bystander), "another user's login on B")
    expect(d.C.logout_all(sessions[2].access), 204, "logout-all on C")
    for number, t in enumerate(sessions, 1):
        expect_refused(d.C, t.access, f"session {number} access token on C right after logout-all on C")
        for inst in (d.A, d.B):
            wait_refused(inst, t.access, f"session {number} access token on {inst.name} after logout-all on C")
    for number, t in enumerate(sessions, 1):
        expect(d.instances[number - 1].refresh(t.refresh), 400,
               f"refresh of session {number} after logout-all", "invalid_grant")
    for inst in d.instances:
        expect_accepted(inst, unrelated.access, f"another user's token on {inst.name} after logout-all")
    # Signing in again right after is a new session that works everywhere.
    fresh = tokens_of(d.A.login(username), "login on A right after logout-all")
    for inst in d.instances:
        expect_accepted(inst, fresh.access, f"a session created after logout-all, on {inst.name}")
    tokens_of(d.B.refresh(fresh.refresh), "refresh on B of a session created after logout-all")


def check_admin_revoke(d: Deployment) -> None:
    username, user_id = d.new_user("revoked")
    sessions = [tokens_of(d.B.login(username), "login on B"), tokens_of(d.C.login(username), "login on C")]
    expect(d.A.admin_revoke(d.admin_token, user_id), 204, "admin revoke on A")
    for number, t in enumerate(sessions, 1):
        expect_refused(d.A, t.access, f"session {number} access token on A right after admin revoke on A")
        for inst in (d.B, d.C):
            wait_refused(inst, t.access, f"session {number} access token on {inst.name} after admin revoke on A")
        expect(d.B.refresh(t.refresh), 400, f"refresh of session {number} on B after admin revoke", "invalid_grant")
    expect_accepted(d.B, d.admin_token, "the admin's own token on B after revoking another user")
    fresh = tokens_of(d.C.login(username), "login on C right after admin revoke")
    for inst in d.instances:
        expect_accepted(inst, fresh.access, f"a session created after admin revoke, on {inst.name}")


def check_parallel_refresh(d: Deployment, parallel: int = 20) -> None:
    username, _ = d.new_user("race")
    t = tokens_of(d.A.login(username), "login on A")
    barrier = threading.Barrier(parallel)
    results: list[Resp | BaseException | None] = [None] * parallel

    def worker(index: int) -> None:
        inst = d.instances[index % 3]
        barrier.wait()
        try:
            results[index] = inst.refresh(t.refresh)
        except BaseException as error:  # noqa: BLE001 - reported below
            results[index] = error

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(parallel)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    failures = [r for r in results if not isinstance(r, Resp)]
    assert not failures, f"parallel refresh: requests failed: {failures}"
    winners = [r for r in results if r.status == 200]
    others = [r for r in results if r.status != 200]
    summary = collections.Counter(f"{r.instance}:{r.status}" for r in results)
    assert len(winners) == 1, f"{parallel} parallel refreshes of one token: expected exactly one 200, got " \
                              f"{len(winners)} ({dict(summary)})"
    for r in others:
        expect(r, 400, "a losing parallel refresh", "invalid_grant")
    # The losers presented a rotated token: reuse, so the winner's successor is dead as well.
    winner = tokens_of(winners[0], "the winning refresh")
    expect(d.A.refresh(winner.refresh), 400, "refresh with the winner's refresh token after the race", "invalid_grant")
    for inst in d.instances:
        wait_refused(inst, winner.access, f"the winner's access token on {inst.name} after the race")


def check_shared_login_limit(d: Deployment) -> None:
    """Ten failed logins for one username, spread over the three instances, reach the limit:
    the eleventh attempt is refused on whichever instance gets it, even with the right password."""
    username, _ = d.new_user("limit")
    for attempt in range(10):
        inst = d.instances[attempt % 3]
        expect(inst.login(username, f"wrong password {attempt}"), 401,
               f"failed login {attempt + 1} for one username, on {inst.name}", "invalid_credentials")
    for inst in d.instances:
        resp = expect(inst.login(username), 429, f"the 11th attempt, with the right password, on {inst.name}",
                      "rate_limited")
        retry_after = int(resp.headers.get("retry-after", "0"))
        assert 1 <= retry_after <= 900, f"Retry-After on {inst.name}: {resp.describe()}"
    # The limit is the username's: another user of the same client address signs in.
    other, _ = d.new_user("limit-other")
    tokens_of(d.B.login(other), "another username from the same address on B")


FLOW_CHECKS = [check_cross_instance_use, check_refresh_replay, check_logout, check_logout_all,
               check_admin_revoke, check_parallel_refresh, check_shared_login_limit]


# ------------------------------------------------------------------------------------------
# Single Redis
# ------------------------------------------------------------------------------------------

@pytest.fixture(scope="class")
def redis_single():
    server = RedisServer("single")
    try:
        server.start()
        yield server
    finally:
        server.remove()


@pytest.fixture(scope="class")
def single(jwtauth_bin, postgres, redis_single, keys_dir):
    yield from _deployment("single", jwtauth_bin, postgres, f"redis://{redis_single.address}", keys_dir)


def nearest_rank(sorted_values: list[float], percentile: float) -> float:
    rank = max(1, math.ceil(percentile / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def measure_revocation_latency(d: Deployment, trials: int, store: str, report_name: str) -> None:
    """Logout on one instance; how long until the other two refuse the access token."""
    username, _ = d.new_user("latency")
    samples: list[dict] = []
    slowest_trial = []
    for trial in range(trials):
        login_on = d.instances[trial % 3]
        logout_on = d.instances[(trial + 1 + (trial // 3) % 3) % 3]
        pollers = d.others(logout_on)
        t = tokens_of(login_on.login(username), f"trial {trial}: login on {login_on.name}")
        for inst in pollers:
            expect_accepted(inst, t.access, f"trial {trial}: access token on {inst.name} before logout")

        go = threading.Event()
        start = [0.0]
        seen: dict[str, float] = {}
        polls: dict[str, int] = {}
        errors: list[str] = []

        def poll(inst: Instance) -> None:
            go.wait()
            try:
                while True:
                    resp = inst.me(t.access, timeout=PROPAGATION_DEADLINE + 1)
                    polls[inst.name] = polls.get(inst.name, 0) + 1
                    if resp.refused:
                        seen[inst.name] = resp.done - start[0]
                        return
                    if resp.status != 200:
                        errors.append(f"trial {trial}: {resp.describe()}")
                        return
                    if resp.done - start[0] > PROPAGATION_DEADLINE:
                        errors.append(f"trial {trial}: logout on {logout_on.name} not seen by {inst.name} "
                                      f"after {PROPAGATION_DEADLINE:.0f} s: {resp.describe()}")
                        return
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(f"trial {trial}: polling {inst.name}: {error!r}")

        threads = [threading.Thread(target=poll, args=(inst,)) for inst in pollers]
        for thread in threads:
            thread.start()
        resp = logout_on.logout(t.refresh)
        start[0] = time.perf_counter()
        go.set()
        expect(resp, 204, f"trial {trial}: logout on {logout_on.name}")
        for thread in threads:
            thread.join(PROPAGATION_DEADLINE + 20)
        assert not errors, "\n".join(errors)
        for inst in pollers:
            samples.append({"trial": trial, "logout_on": logout_on.name, "observer": inst.name,
                            "login_on": login_on.name, "ms": seen[inst.name] * 1000, "polls": polls[inst.name]})
        slowest_trial.append(max(seen.values()) * 1000)

    values = sorted(s["ms"] for s in samples)
    per_trial = sorted(slowest_trial)

    def summary(series: list[float]) -> dict:
        return {"n": len(series), "p50_ms": nearest_rank(series, 50), "p95_ms": nearest_rank(series, 95),
                "p99_ms": nearest_rank(series, 99), "max_ms": series[-1], "mean_ms": sum(series) / len(series)}

    report = {
        "what": "revocation propagation: logout on instance X, then GET /api/me with the session's "
                "access token on the other two instances until 401; time from the arrival of the "
                "logout response to the arrival of the first 401, per observing instance",
        "store": store,
        "trials": trials,
        "per_instance": summary(values),
        "per_trial_slowest_of_two": summary(per_trial),
        "first_poll_already_refused": sum(1 for sample in samples if sample["polls"] == 1),
        "polls_max": max(sample["polls"] for sample in samples),
        "target": "p99 < 100 ms; not asserted",
        "recorded_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpus": os.cpu_count()},
        "samples": samples,
    }
    results = Path(os.environ.get("JWTAUTH_CLUSTER_RESULTS", HERE / "results"))
    results.mkdir(parents=True, exist_ok=True)
    (results / report_name).write_text(json.dumps(report, indent=2) + "\n")
    s = report["per_instance"]
    print(f"\nrevocation propagation ({store}) over {trials} trials ({s['n']} observations): "
          f"p50 {s['p50_ms']:.2f} ms, p95 {s['p95_ms']:.2f} ms, p99 {s['p99_ms']:.2f} ms, max {s['max_ms']:.2f} ms; "
          f"{report['first_poll_already_refused']} refused at the first poll, at most {report['polls_max']} polls "
          f"(report: {results / report_name})")


# ------------------------------------------------------------------------------------------
# One instance cut off from Redis while the others go on (a feed outage)
# ------------------------------------------------------------------------------------------

class TcpProxy:
    """A loopback TCP relay that can be cut: every relayed connection is dropped and new ones
    are reset at once, until it is restored."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.passing = True
        self.closed = False
        self.lock = threading.Lock()
        self.sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, name="proxy-accept", daemon=True).start()

    def _accept(self) -> None:
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.passing:
                self._reset(client)
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=2)
                upstream.settimeout(None)
            except OSError:
                self._reset(client)
                continue
            with self.lock:
                self.sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), name="proxy-pump", daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            source.close()

    @staticmethod
    def _reset(sock: socket.socket) -> None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()

    def cut(self) -> None:
        self.passing = False
        with self.lock:
            sockets, self.sockets = self.sockets, []
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def restore(self) -> None:
        self.passing = True

    def close(self) -> None:
        self.closed = True
        self.cut()
        self.listener.close()


def feed_outage_catch_up(d: Deployment, redis: RedisServer, postgres: PostgresServer, binary: str,
                         keys: Path) -> None:
    """A fourth instance D reaches Redis through a relay. The relay is cut: D loses the store
    and the revocation feed while A, B and C go on. A logout, a logout-all and an admin revoke
    happen meanwhile. D fails closed for refresh and keeps verifying from its cache; once the
    relay is restored, D must catch up and refuse every token revoked while it was cut off."""
    proxy = TcpProxy(redis.port)
    D = Instance("D", binary, keys, postgres.url, f"redis://127.0.0.1:{proxy.port}", "single")
    try:
        D.start()
        D.wait_listening()
        names = {"logout on A": d.new_user("cut-logout")[0], "logout-all on B": d.new_user("cut-logoutall")[0]}
        revokee, revokee_id = d.new_user("cut-revoke")
        names["admin revoke on C"] = revokee
        bystander, _ = d.new_user("cut-bystander")
        victims = {what: tokens_of(d.A.login(username), f"login for {what}") for what, username in names.items()}
        kept = tokens_of(D.login(bystander), "bystander login on D")
        for what, t in victims.items():
            expect_accepted(D, t.access, f"access token for {what}, on D before the cut")

        proxy.cut()
        cut_at = time.perf_counter()

        def sessions_down() -> bool:
            resp = D.health()
            if resp.status == 503:
                assert (resp.json or {}).get("down") == ["sessions"], f"/health on D, cut off from Redis: {resp.describe()}"
                return True
            return False

        wait_for(sessions_down, 15, "/health on D to report the session store down")
        expect(D.refresh(kept.refresh), 503, "refresh on D while cut off from Redis", "temporarily_unavailable")
        expect(D.login(bystander), 503, "login on D while cut off from Redis", "temporarily_unavailable")
        expect_accepted(D, kept.access, "a valid access token on D while cut off from Redis (verified from the cache)")

        expect(d.A.logout(victims["logout on A"].refresh), 204, "logout on A during D's feed outage")
        expect(d.B.logout_all(victims["logout-all on B"].access), 204, "logout-all on B during D's feed outage")
        expect(d.C.admin_revoke(d.admin_token, revokee_id), 204, "admin revoke on C during D's feed outage")
        for what, t in victims.items():
            for inst in d.instances:
                wait_refused(inst, t.access, f"{what} during D's feed outage, seen by {inst.name}")
        while_cut = {what: D.me(t.access).status for what, t in victims.items()}
        # Stay cut off for a while, so that D is retrying its connections when the link returns.
        wait_for(lambda: time.perf_counter() - cut_at >= MIN_OUTAGE and D.me(kept.access).status == 200,
                 MIN_OUTAGE + 10, "the feed outage to last its minimum")

        proxy.restore()
        restored_at = time.perf_counter()
        for what, t in victims.items():
            wait_refused(D, t.access, f"{what} (made while D was cut off), on D after the relay was restored",
                         deadline=RECOVERY_DEADLINE)
        caught_up = time.perf_counter() - restored_at
        wait_for(lambda: D.health().status == 200, RECOVERY_DEADLINE, "/health on D to be 200 again")
        for what, t in victims.items():
            expect_refused(D, t.access, f"{what}, on D once healthy again")
        fresh = tokens_of(D.refresh(kept.refresh), "refresh on D after the relay was restored")
        for inst in d.instances:
            expect_accepted(inst, fresh.access, f"access token refreshed on D, on {inst.name}")
        print(f"\nfeed outage on D ({restored_at - cut_at:.1f} s): while cut off D answered {while_cut} for the tokens "
              f"revoked elsewhere; after the relay was restored all were refused within {caught_up * 1000:.0f} ms")
    finally:
        proxy.close()
        status = D.stop()
    assert status == 0, f"instance D exited with status {status} on SIGTERM:\n{tail(D.log, 15)}"


# ------------------------------------------------------------------------------------------
# Redis stopped and restarted under load
# ------------------------------------------------------------------------------------------

class Load:
    """Background traffic on every instance, checking the fail-closed invariants as it goes.

    Phases: "up" (stores up), "down" (Redis stopped), "recovering" (Redis back, empty).
    A request counts as inside the outage when it was sent after Redis had exited and
    answered before Redis was started again.
    """

    def __init__(self, d: Deployment):
        self.d = d
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.phase = "up"
        self.down_at = math.inf  # perf_counter() once redis-server has exited
        self.restart_at = math.inf  # perf_counter() when it is being started again
        self.violations: list[str] = []
        self.counts: collections.Counter = collections.Counter()
        self.progress: collections.Counter = collections.Counter()
        self.revoked_access: list[tuple[str, str]] = []  # (label, token): refused everywhere for good
        self.dead_refresh: list[tuple[str, str]] = []  # (label, token): must never be accepted again
        self.threads: list[threading.Thread] = []

    # -- bookkeeping --

    def inside_outage(self, resp: Resp) -> bool:
        return resp.sent >= self.down_at and resp.done <= self.restart_at

    def violation(self, message: str) -> None:
        with self.lock:
            if len(self.violations) < 200:
                self.violations.append(f"[{self.phase}] {message}")

    def call(self, op: str, fn: Callable[[], Resp]) -> Resp | None:
        """Sends a request; counts its answer under the phase in which it was sent."""
        phase = self.phase
        try:
            resp = fn()
        except Exception as error:  # noqa: BLE001 - a hang or a dropped connection is a finding
            self.violation(f"{op}: no HTTP answer: {error!r}")
            return None
        with self.lock:
            self.counts[(phase, op, resp.status)] += 1
        if resp.status >= 500 and resp.status != 503:
            self.violation(f"{op}: {resp.describe()}")
        return resp

    def backoff(self, resp: Resp | None) -> None:
        # A client that is told 503 (Retry-After) does not hammer the server; 50 ms is enough
        # to keep the outage busy without flooding a 2-core machine.
        if resp is None or resp.status == 503:
            self.stop.wait(0.05)

    def check_store_answer(self, op: str, resp: Resp) -> None:
        """What login and refresh may answer inside the outage: 503 temporarily_unavailable."""
        if self.inside_outage(resp) and not (resp.status == 503 and resp.error == "temporarily_unavailable"):
            self.violation(f"{op} inside the Redis outage: expected 503 temporarily_unavailable, got {resp.describe()}")

    # -- workers --

    def start(self, refreshers: list[str], replayer: str) -> None:
        for index, username in enumerate(refreshers):
            self.threads.append(threading.Thread(target=self.guard, args=(self.refresher, username, index),
                                                 name=f"refresher-{index}", daemon=True))
        self.threads.append(threading.Thread(target=self.guard, args=(self.replayer, replayer, 0),
                                             name="replayer", daemon=True))
        self.threads.append(threading.Thread(target=self.guard, args=(self.revoked_checker, "", 0),
                                             name="revoked-checker", daemon=True))
        for thread in self.threads:
            thread.start()

    def finish(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(60)
            if thread.is_alive():
                self.violation(f"load thread {thread.name} did not stop")

    def guard(self, target, username: str, index: int) -> None:
        try:
            target(username, index)
        except Exception as error:  # noqa: BLE001
            self.violation(f"load thread crashed: {error!r}")

    def login(self, op: str, inst: Instance, username: str) -> Tokens | None:
        resp = self.call(op, lambda: inst.login(username))
        if resp is None:
            return None
        self.check_store_answer(op, resp)
        if resp.status == 200:
            return Tokens(resp.json["access_token"], resp.json["refresh_token"])
        if resp.status != 503:
            self.violation(f"{op}: expected 200 or 503, got {resp.describe()}")
        self.backoff(resp)
        return None

    def refresher(self, username: str, index: int) -> None:
        """Refresh loop on rotating instances, then the new access token on every instance."""
        d = self.d
        tokens: Tokens | None = None
        step = index
        while not self.stop.is_set():
            step += 1
            inst = d.instances[step % 3]
            if tokens is None:
                tokens = self.login(f"login ({username})", inst, username)
                continue
            resp = self.call("refresh", lambda: inst.refresh(tokens.refresh))
            if resp is None:
                self.backoff(resp)
                continue
            self.check_store_answer("refresh", resp)
            if resp.status == 200:
                tokens = Tokens(resp.json["access_token"], resp.json["refresh_token"])
                with self.lock:
                    self.progress[("refresh", self.phase, username)] += 1
            elif resp.status == 503:
                self.backoff(resp)
            elif resp.status == 400 and resp.error == "invalid_grant" and self.phase == "recovering":
                tokens = None  # the restarted Redis has no sessions: sign in again
                continue
            else:
                self.violation(f"refresh of a live session: {resp.describe()}")
                tokens = None
                continue
            for other in d.instances:
                me = self.call("me", lambda: other.me(tokens.access))
                if me is None:
                    continue
                # Verification needs no store: a valid, unrevoked access token works throughout
                # (after the restart its session is gone from Redis, which revoked nothing).
                if me.status != 200:
                    self.violation(f"a valid, unrevoked access token: {me.describe()}")

    def replayer(self, username: str, index: int) -> None:
        """Sign in, refresh, replay the old refresh token elsewhere (reuse detection); replay
        dead refresh tokens; collect the revoked access tokens for the checker."""
        d = self.d
        step = 0
        while not self.stop.is_set():
            step += 1
            first = self.login(f"login ({username})", d.instances[step % 3], username)
            if first is None:
                self.replay_dead(step)
                continue
            resp = self.call("refresh", lambda: d.instances[(step + 1) % 3].refresh(first.refresh))
            if resp is None or resp.status != 200:
                if resp is not None:
                    self.check_store_answer("refresh", resp)
                    if resp.status != 503 and not (resp.status == 400 and self.phase == "recovering"):
                        self.violation(f"refresh of a new session: {resp.describe()}")
                self.backoff(resp)
                continue
            self.check_store_answer("refresh", resp)
            second = Tokens(resp.json["access_token"], resp.json["refresh_token"])
            with self.lock:
                self.dead_refresh.append((f"rotated refresh token (replayer step {step})", first.refresh))
            # Replay the rotated token on another instance until the store answers.
            while not self.stop.is_set():
                replay = self.call("replay", lambda: d.instances[(step + 2) % 3].refresh(first.refresh))
                if replay is None:
                    break
                if replay.status == 200:
                    self.violation(f"a replayed refresh token was accepted: {replay.describe()}")
                    break
                if replay.status == 400:
                    if replay.error != "invalid_grant":
                        self.violation(f"replay: expected invalid_grant, got {replay.describe()}")
                    break
                if replay.status != 503:
                    self.violation(f"replay: expected 400 or 503, got {replay.describe()}")
                    break
                self.check_store_answer("replay", replay)
                self.backoff(replay)
            else:
                return
            if replay is None or replay.status != 400:
                continue
            with self.lock:
                self.dead_refresh.append((f"refresh token of a family revoked by reuse (step {step})", second.refresh))
                self.progress[("replay", self.phase)] += 1
            # Wait until every instance refuses the family's access tokens; from then on they
            # must stay refused (the checker thread keeps asking).
            confirmed = True
            for token in (first.access, second.access):
                for inst in d.instances:
                    start = time.perf_counter()
                    while not self.stop.is_set():
                        me = self.call("me (revoking)", lambda: inst.me(token))
                        if me is None or me.refused:
                            break
                        if me.status != 200:
                            self.violation(f"access token of a revoked family: {me.describe()}")
                            break
                        if me.done - start > PROPAGATION_DEADLINE:
                            self.violation(f"access token of a family revoked by reuse still accepted by "
                                           f"{inst.name} {PROPAGATION_DEADLINE:.0f} s later: {me.describe()}")
                            break
                    else:
                        return
                    confirmed = confirmed and me is not None and me.refused
            if confirmed:
                with self.lock:
                    self.revoked_access.append((f"access token of a family revoked by reuse (step {step})",
                                                second.access))
            self.replay_dead(step)

    def replay_dead(self, step: int) -> None:
        with self.lock:
            dead = list(self.dead_refresh[-20:])
        for label, token in dead[-3:]:
            inst = self.d.instances[step % 3]
            resp = self.call("replay (dead)", lambda: inst.refresh(token))
            if resp is not None and resp.status == 200:
                self.violation(f"{label} was accepted: {resp.describe()}")
            elif resp is not None and resp.status not in (400, 503):
                self.violation(f"{label}: expected 400 or 503, got {resp.describe()}")

    def revoked_checker(self, _username: str, _index: int) -> None:
        """Revoked access tokens must be refused by every instance, at every moment."""
        d = self.d
        while not self.stop.is_set():
            with self.lock:
                revoked = list(self.revoked_access)
            for label, token in revoked[-10:]:
                for inst in d.instances:
                    resp = self.call("me (revoked)", lambda: inst.me(token))
                    if resp is not None and not resp.refused:
                        self.violation(f"{label} was not refused: {resp.describe()}")
            with self.lock:
                self.progress[("checked", self.phase)] += 1
            if not revoked:
                self.stop.wait(0.01)


def redis_outage_under_load(single: Deployment, redis_single: RedisServer) -> None:
    d = single
    refreshers = [d.new_user("load")[0] for _ in range(3)]
    replayer, _ = d.new_user("replayer")
    victim, _ = d.new_user("victim")
    standby, _ = d.new_user("standby")

    load = Load(d)
    load.start(refreshers, replayer)
    try:
        wait_for(lambda: all(load.progress[("refresh", "up", u)] >= 3 for u in refreshers)
                 and load.progress[("replay", "up")] >= 2, 60, "the load to get going")

        # Revoked before the outage: must stay refused through it and after it.
        revoked = tokens_of(d.B.login(victim), "victim login on B")
        expect(d.A.logout(revoked.refresh), 204, "victim logout on A")
        for inst in d.instances:
            wait_refused(inst, revoked.access, f"victim's access token on {inst.name} after logout")
        with load.lock:
            load.revoked_access.append(("access token logged out before the outage", revoked.access))
            load.dead_refresh.append(("refresh token logged out before the outage", revoked.refresh))
        # A live session whose refresh token is never used before the outage.
        kept = tokens_of(d.C.login(standby), "standby login on C")
        # Sessions to try to revoke while Redis is down.
        doomed_user, doomed_id = d.new_user("doomed")
        doomed = [tokens_of(d.A.login(doomed_user), f"doomed login {i}") for i in range(2)]

        # --- Redis goes away -------------------------------------------------------------
        load.phase = "stopping"
        redis_single.shutdown()
        load.down_at = time.perf_counter()
        load.phase = "down"

        for inst in d.instances:
            def sessions_down(inst=inst):
                resp = inst.health()
                if resp.status == 503:
                    body = resp.json or {}
                    assert body.get("status") == "unavailable" and body.get("down") == ["sessions"], \
                        f"/health with Redis down should name only sessions: {resp.describe()}"
                    return True
                assert resp.status == 200, f"/health: {resp.describe()}"
                return False
            wait_for(sessions_down, 15, f"/health on {inst.name} to report the session store down")
        for inst in d.instances:
            expect(inst.login(standby), 503, f"login on {inst.name} with Redis down", "temporarily_unavailable")
            expect(inst.refresh(kept.refresh), 503, f"refresh on {inst.name} with Redis down", "temporarily_unavailable")
            me = expect_accepted(inst, kept.access, f"valid access token on {inst.name} with Redis down")
            assert me["sid"] == kept.sid
            expect_refused(inst, revoked.access, f"token revoked before the outage, on {inst.name}, Redis down")
            expect(inst.refresh(revoked.refresh), 503, f"logged-out refresh token on {inst.name} with Redis down",
                   "temporarily_unavailable")
        # A revocation that cannot be recorded must not be reported as done (the client would
        # believe it signed out while its session lives on).
        expect(d.A.logout(doomed[0].refresh), 503, "logout on A with Redis down", "temporarily_unavailable")
        expect(d.B.logout_all(doomed[1].access), 503, "logout-all on B with Redis down", "temporarily_unavailable")
        expect(d.C.admin_revoke(d.admin_token, doomed_id), 503, "admin revoke on C with Redis down",
               "temporarily_unavailable")
        # RFC 7009 §2.2.1: 503 means "the token still exists, retry"; 200 would mean revoked.
        expect(d.A.oauth_revoke(doomed[0].refresh), 503, "POST /oauth/revoke (refresh token) on A with Redis down")
        # Keep the outage going for a while (at least MIN_OUTAGE s) and until the load has run
        # into it often enough.
        wait_for(lambda: time.perf_counter() - load.down_at >= MIN_OUTAGE and sum(n for (phase, op, status), n in load.counts.items()
                             if phase == "down" and op == "refresh" and status == 503) >= 20
                 and sum(n for (phase, op, status), n in load.counts.items()
                         if phase == "down" and op == "me" and status == 200) >= 20,
                 30, "the load to hit the outage")

        # --- Redis comes back, empty -----------------------------------------------------
        load.restart_at = time.perf_counter()
        load.phase = "recovering"
        redis_single.start()
        restarted = time.perf_counter()

        for inst in d.instances:
            wait_for(lambda inst=inst: inst.health().status == 200, RECOVERY_DEADLINE,
                     f"/health on {inst.name} to be 200 again after Redis returned")
        recovered = {}
        for inst in d.instances:
            def works(inst=inst):
                resp = inst.login(standby)
                if resp.status == 503:
                    return False
                fresh = tokens_of(resp, f"login on {inst.name} after Redis returned")
                for other in d.instances:
                    expect_accepted(other, fresh.access, f"new session from {inst.name} on {other.name}")
                tokens_of(d.others(inst)[0].refresh(fresh.refresh), f"refresh of a session made on {inst.name} after recovery")
                return True
            wait_for(works, RECOVERY_DEADLINE, f"login and refresh on {inst.name} after Redis returned")
            recovered[inst.name] = time.perf_counter() - restarted
        # Sessions were in Redis only: the old refresh token is now unknown, so refused.
        expect(d.A.refresh(kept.refresh), 400, "pre-outage refresh token after Redis restarted empty", "invalid_grant")
        for inst in d.instances:
            expect_refused(inst, revoked.access, f"token revoked before the outage, on {inst.name}, after the restart")
            expect_accepted(inst, kept.access, f"pre-outage, unrevoked access token on {inst.name} after the restart")
        # The revocation feed works again: a logout on A reaches B and C.
        after = tokens_of(d.B.login(victim), "victim login on B after the restart")
        expect(d.A.logout(after.refresh), 204, "victim logout on A after the restart")
        propagation = {inst.name: wait_refused(inst, after.access, f"logout on A after the restart, seen by {inst.name}")
                       for inst in (d.B, d.C)}
        wait_for(lambda: all(load.progress[("refresh", "recovering", u)] >= 2 for u in refreshers)
                 and load.progress[("replay", "recovering")] >= 1,
                 RECOVERY_DEADLINE, "the load to work again after the restart")
    finally:
        load.finish()
        if redis_single.proc is None:
            redis_single.start()

    summary = collections.defaultdict(dict)
    for (phase, op, status), n in sorted(load.counts.items()):
        summary[f"{phase} {op}"][status] = n
    print("\nload during the Redis outage test (phase op: {status: count}):")
    for key, value in summary.items():
        print(f"  {key}: {value}")
    print("  recovered (login+refresh working) after Redis restart, seconds: "
          + ", ".join(f"{k} {v:.2f}" for k, v in recovered.items()))
    print("  a logout on A after the restart refused by "
          + ", ".join(f"{k} after {v * 1000:.1f} ms" for k, v in propagation.items()))
    assert not load.violations, "fail-closed violations under load:\n" + "\n".join(load.violations[:40])
    assert load.counts[("down", "me", 200)] > 0


def run_parallel(tasks: list[Callable[[], None]]) -> None:
    """Runs the tasks on threads of their own; re-raises the first failure (pytest's too)."""
    failures: list[BaseException] = []

    def guard(task):
        try:
            task()
        except BaseException as error:  # noqa: BLE001 - re-raised below
            failures.append(error)

    threads = [threading.Thread(target=guard, args=(task,)) for task in tasks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]


def postgres_outage(d: Deployment, postgres: PostgresServer) -> None:
    """PostgreSQL (users) stopped: login and registration 503, /health names "users", access
    tokens keep working; PostgreSQL started again: the same processes recover.

    Calls that need PostgreSQL run into the server's per-operation deadline while it is down,
    so the instances are checked in parallel."""
    username, _ = d.new_user("pg")
    t = tokens_of(d.A.login(username), "login on A")
    later, _ = d.new_user("pg-later")
    during_outage: dict[str, Resp] = {}
    postgres.stop("fast")
    try:
        def users_down(inst: Instance) -> bool:
            resp = inst.health()
            if resp.status == 503:
                body = resp.json or {}
                assert body.get("status") == "unavailable" and body.get("down") == ["users"], \
                    f"/health with PostgreSQL down should name only users: {resp.describe()}"
                return True
            assert resp.status == 200, f"/health: {resp.describe()}"
            return False

        def check(inst: Instance) -> None:
            wait_for(lambda: users_down(inst), 20, f"/health on {inst.name} to report the user store down")
            expect(inst.login(username), 503, f"login on {inst.name} with PostgreSQL down", "temporarily_unavailable")
            expect(inst.register(f"pgdown-{uuid.uuid4().hex[:8]}"), 503, f"register on {inst.name} with PostgreSQL down")
            me = expect_accepted(inst, t.access, f"valid access token on {inst.name} with PostgreSQL down")
            assert me["sid"] == t.sid

        def refresh() -> None:
            during_outage["refresh"] = d.B.refresh(t.refresh)

        run_parallel([lambda inst=inst: check(inst) for inst in d.instances] + [refresh])
    finally:
        if not postgres.running():
            postgres.start()

    def recovers(inst: Instance) -> None:
        wait_for(lambda: inst.health().status == 200, RECOVERY_DEADLINE,
                 f"/health on {inst.name} to be 200 again after PostgreSQL returned")

        def works() -> bool:
            resp = inst.login(username)
            if resp.status == 503:
                return False
            tokens_of(resp, f"login on {inst.name} after PostgreSQL returned")
            return True

        wait_for(works, RECOVERY_DEADLINE, f"login on {inst.name} after PostgreSQL returned")

    run_parallel([lambda inst=inst: recovers(inst) for inst in d.instances])
    expect(d.C.register(later + "-2"), 201, "register on C after PostgreSQL returned")
    for inst in d.instances:
        expect_accepted(inst, t.access, f"access token on {inst.name} after PostgreSQL returned")

    # Refresh needs the user record as well (roles, disabled): with PostgreSQL down it may only
    # fail as 503 temporarily_unavailable — which tells the client to retry (Retry-After) — so
    # that answer must not have used up the refresh token: the retry succeeds.
    resp = during_outage["refresh"]
    print(f"\nPostgreSQL outage: refresh on B answered {resp.status} {resp.body[:120]!r} "
          f"in {(resp.done - resp.sent) * 1000:.0f} ms")
    assert resp.status in (200, 503), f"refresh on B with PostgreSQL down: {resp.describe()}"
    if resp.status == 200:
        t = tokens_of(resp, "refresh on B with PostgreSQL down")
    else:
        assert resp.error == "temporarily_unavailable", resp.describe()
    retry = d.C.refresh(t.refresh)
    assert retry.status == 200, (
        "a refresh that was answered 503 (PostgreSQL down) during the outage, retried with the same "
        f"refresh token after PostgreSQL returned: expected 200, got {retry.describe()} — the 503 "
        "answer had already rotated the session in the session store, so the retry counts as reuse")
    fresh = tokens_of(retry, "retried refresh on C")
    for inst in d.instances:
        expect_accepted(inst, fresh.access, f"refreshed access token on {inst.name} after PostgreSQL returned")


# ------------------------------------------------------------------------------------------
# Redis Cluster (3 masters, 1 replica each)
# ------------------------------------------------------------------------------------------

@pytest.fixture(scope="class")
def redis_cluster():
    taken: set[int] = set()
    nodes = [RedisServer(f"cluster-{i}", port=free_cluster_port(taken)) for i in range(6)]
    for node in nodes:
        node.extra = ["--cluster-enabled", "yes", "--cluster-config-file", f"nodes-{node.port}.conf",
                      "--cluster-node-timeout", "5000"]
    try:
        for node in nodes:
            node.start()
        create = subprocess.run(
            [_which("redis-cli"), "--cluster", "create", *(n.address for n in nodes), "--cluster-replicas", "1",
             "--cluster-yes"], capture_output=True, text=True, timeout=60,
        )
        assert create.returncode == 0, f"redis-cli --cluster create: {create.stdout}\n{create.stderr}"
        for node in nodes:
            wait_for(lambda node=node: "cluster_state:ok" in node.cli("cluster", "info").stdout, 30,
                     f"cluster_state:ok on {node.address}")
        yield nodes
    finally:
        for node in nodes:
            node.remove()


@pytest.fixture(scope="class")
def on_cluster(jwtauth_bin, postgres, redis_cluster, keys_dir):
    url = "redis+cluster://" + ",".join(node.address for node in redis_cluster)
    yield from _deployment("cluster", jwtauth_bin, postgres, url, keys_dir)


# ------------------------------------------------------------------------------------------
# The tests, in order. Each class has its own deployment (class-scoped fixtures), so the
# single-Redis instances are stopped before the Redis Cluster ones start.
# ------------------------------------------------------------------------------------------

FLOW_IDS = [f.__name__.removeprefix("check_") for f in FLOW_CHECKS]


class TestSingleRedis:
    """A, B and C on one PostgreSQL and one Redis."""

    @pytest.mark.parametrize("check", FLOW_CHECKS, ids=FLOW_IDS)
    def test_flow(self, single: Deployment, check) -> None:
        check(single)

    def test_revocation_latency(self, single: Deployment) -> None:
        measure_revocation_latency(single, TRIALS, "redis (single node) + postgresql", "revocation_latency.json")

    def test_feed_outage_catch_up(self, single: Deployment, redis_single: RedisServer, postgres: PostgresServer,
                                  jwtauth_bin: str, keys_dir: Path) -> None:
        feed_outage_catch_up(single, redis_single, postgres, jwtauth_bin, keys_dir)

    def test_redis_outage_under_load(self, single: Deployment, redis_single: RedisServer) -> None:
        redis_outage_under_load(single, redis_single)

    def test_postgres_outage(self, single: Deployment, postgres: PostgresServer) -> None:
        postgres_outage(single, postgres)


@pytest.fixture(scope="class")
def postgres_only(jwtauth_bin, postgres, keys_dir):
    yield from _deployment("postgres", jwtauth_bin, postgres, "", keys_dir)


class TestPostgresOnly:
    """A, B and C on one PostgreSQL and no Redis: sessions and failed-login counts in the database,
    revocations pushed to the other instances with LISTEN/NOTIFY."""

    @pytest.mark.parametrize("check", FLOW_CHECKS, ids=FLOW_IDS)
    def test_flow(self, postgres_only: Deployment, check) -> None:
        check(postgres_only)

    def test_revocation_latency(self, postgres_only: Deployment) -> None:
        measure_revocation_latency(postgres_only, CLUSTER_TRIALS, "postgresql only (no redis)", "revocation_latency_postgres.json")


class TestRedisCluster:
    """A, B and C on one PostgreSQL and a Redis Cluster of 3 masters and 3 replicas."""

    @pytest.mark.parametrize("check", FLOW_CHECKS, ids=FLOW_IDS)
    def test_flow(self, on_cluster: Deployment, check) -> None:
        check(on_cluster)

    def test_revocation_latency(self, on_cluster: Deployment) -> None:
        measure_revocation_latency(on_cluster, CLUSTER_TRIALS, "redis cluster (3 masters, 3 replicas) + postgresql",
                                   "revocation_latency_cluster.json")
