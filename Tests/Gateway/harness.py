"""The parts the gateway suite runs: `jwtauth serve`, `jwtauth gateway`, an echo upstream and a
fault proxy in front of the token server, plus a small HTTP client (standard library only).
Waiting, free ports and log tails come from Tests/python/jwtauth_testing.py, which run.sh puts
on PYTHONPATH, as for the other suites.

Every child process is recorded in WORK/pids (so that run.sh can stop what the tests could
not) and in PROCESSES (pid → name), which lets the fault proxy tell which process opened a
connection to it: it looks the peer's socket up in /proc/net/tcp and the processes' file
descriptors. That is how JWKS fetches and feed connections are counted per gateway.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import http.server
import json
import math
import os
import random
import re
import signal
import socket
import struct
import subprocess
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

import jwtauth_testing
import pytest
from jwtauth_testing import clean_environment, free_port, tail

HERE = Path(__file__).resolve().parent
PASSWORD = "correct horse battery staple"
ADMIN_PASSWORD = "admin password for the gateway suite"
BCRYPT_COST = "10"


# ------------------------------------------------------------------------------------------
# Scratch space, pids, waiting
# ------------------------------------------------------------------------------------------

def _work_dir() -> Path:
    configured = os.environ.get("JWTAUTH_GATEWAY_WORK")
    path = Path(configured) if configured else Path(tempfile.mkdtemp(prefix="jwtauth-gateway."))
    path.mkdir(parents=True, exist_ok=True)
    (path / "pids").mkdir(exist_ok=True)
    return path


WORK = _work_dir()
RESULTS = Path(os.environ.get("JWTAUTH_GATEWAY_RESULTS", HERE / "results"))

PROCESSES: dict[int, str] = {}
_processes_lock = threading.Lock()


def register_pid(name: str, pid: int) -> None:
    """Records a child's pid so that run.sh can stop it if this process dies first."""
    (WORK / "pids" / f"{name}.pid").write_text(f"{pid}\n")
    with _processes_lock:
        PROCESSES[pid] = name


def forget_pid(name: str, pid: int) -> None:
    try:
        (WORK / "pids" / f"{name}.pid").unlink()
    except FileNotFoundError:
        pass
    with _processes_lock:
        PROCESSES.pop(pid, None)


def wait_for(condition: Callable[[], object], timeout: float, what: str, interval: float = 0.02):
    """The shared `wait_for`, polling every 20 ms by default: revocation latencies are measured
    with it, so a coarser poll would show up in them."""
    return jwtauth_testing.wait_for(condition, timeout, what, interval)


def nearest_rank(sorted_values: list[float], percentile: float) -> float:
    rank = max(1, math.ceil(percentile / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def summary(values: Iterable[float]) -> dict:
    series = sorted(values)
    if not series:
        return {"n": 0}
    return {"n": len(series), "p50_ms": nearest_rank(series, 50), "p95_ms": nearest_rank(series, 95),
            "p99_ms": nearest_rank(series, 99), "max_ms": series[-1], "mean_ms": sum(series) / len(series)}


def write_result(name: str, report: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / name
    path.write_text(json.dumps(report, indent=2) + "\n")
    return path


# ------------------------------------------------------------------------------------------
# Who opened a connection: /proc/net/tcp and the processes' file descriptors
# ------------------------------------------------------------------------------------------

def _socket_inode(local_port: int, remote_port: int) -> str | None:
    """The inode of the loopback socket whose local port is `local_port` and whose peer port is
    `remote_port` (the client end of a connection to one of our servers)."""
    local_suffix = f":{local_port:04X}"
    remote_suffix = f":{remote_port:04X}"
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as rows:
                next(rows, None)
                for row in rows:
                    parts = row.split()
                    if len(parts) > 9 and parts[1].endswith(local_suffix) and parts[2].endswith(remote_suffix):
                        return parts[9]
        except OSError:
            continue
    return None


def _holds_socket(pid: str | int, inode: str) -> bool:
    target = f"socket:[{inode}]"
    base = f"/proc/{pid}/fd"
    try:
        descriptors = os.listdir(base)
    except OSError:
        return False
    for fd in descriptors:
        try:
            if os.readlink(f"{base}/{fd}") == target:
                return True
        except OSError:
            continue
    return False


def connection_owner(peer_port: int, server_port: int) -> str:
    """The name of the process on the other end of a connection to `server_port`: a registered
    child, "tests" (this process), or "unknown"."""
    inode = _socket_inode(peer_port, server_port)
    if inode is None or inode == "0":
        return "unknown"
    with _processes_lock:
        candidates = list(PROCESSES.items())
    for pid, name in candidates:
        if _holds_socket(pid, inode):
            return name
    if _holds_socket("self", inode):
        return "tests"
    return "unknown"


# ------------------------------------------------------------------------------------------
# HTTP (standard library only)
# ------------------------------------------------------------------------------------------

@dataclass
class Resp:
    where: str
    method: str
    path: str
    status: int
    header_list: list[tuple[str, str]]
    body: bytes
    sent: float  # time.perf_counter() when the request was sent
    done: float  # ... and when the whole response had arrived

    @property
    def headers(self) -> dict[str, str]:
        merged: dict[str, str] = {}
        for name, value in self.header_list:
            key = name.lower()
            merged[key] = f"{merged[key]}, {value}" if key in merged else value
        return merged

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
        """A 401 with `error="invalid_token"`: what a revoked or bad access token must get."""
        return self.status == 401 and 'error="invalid_token"' in self.headers.get("www-authenticate", "")

    @property
    def from_upstream(self) -> bool:
        """True when the echo upstream wrote this answer (the gateway forwarded the request)."""
        return self.headers.get("x-upstream") == "echo"

    def echoed(self, name: str) -> str | None:
        """The value the upstream received for header `name` (joined when repeated), or None."""
        data = self.json or {}
        values = [v for k, v in data.get("headers", []) if k.lower() == name.lower()]
        return ", ".join(values) if values else None

    def describe(self) -> str:
        body = self.body[:300].decode("utf-8", "replace")
        challenge = self.headers.get("www-authenticate")
        extra = f", WWW-Authenticate: {challenge}" if challenge else ""
        return f"{self.method} {self.path} on {self.where} -> {self.status} {body}{extra}"


_local = threading.local()


def _chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


def http_request(port: int, method: str, path: str, *, headers: Iterable[tuple[str, str]] | dict = (),
                 body: bytes | Iterable[bytes] | None = None, timeout: float = 15, keepalive: bool = False,
                 where: str | None = None, json_body=None, form: dict | None = None) -> Resp:
    """One request to 127.0.0.1:`port`. Headers are sent exactly as given (repeated names too);
    a `Host` among them replaces the default one. `body` as bytes goes with a Content-Length, as
    an iterable of chunks with Transfer-Encoding: chunked. With `keepalive`, the thread's
    connection to the port is reused (and the request retried once on a dropped connection);
    otherwise a fresh connection is used and closed."""
    header_list = list(headers.items()) if isinstance(headers, dict) else list(headers)
    if json_body is not None:
        body = json.dumps(json_body).encode()
        header_list.append(("Content-Type", "application/json"))
    if form is not None:
        body = urllib.parse.urlencode(form).encode()
        header_list.append(("Content-Type", "application/x-www-form-urlencoded"))
    names = {name.lower() for name, _ in header_list}
    pool: dict = _local.__dict__.setdefault("pool", {})
    for attempt in (0, 1):
        if keepalive:
            conn = pool.get(port)
            if conn is None:
                conn = pool[port] = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
            conn.timeout = timeout
            if conn.sock is not None:
                conn.sock.settimeout(timeout)
        else:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        sent = time.perf_counter()
        try:
            conn.putrequest(method, path, skip_host="host" in names, skip_accept_encoding=True)
            for name, value in header_list:
                conn.putheader(name, value)
            if not keepalive and "connection" not in names:
                conn.putheader("Connection", "close")
            if body is None:
                if method in ("POST", "PUT", "PATCH") and "content-length" not in names:
                    conn.putheader("Content-Length", "0")
                conn.endheaders()
            elif isinstance(body, (bytes, bytearray)):
                if "content-length" not in names:
                    conn.putheader("Content-Length", str(len(body)))
                conn.endheaders(bytes(body))
            else:
                if "transfer-encoding" not in names:
                    conn.putheader("Transfer-Encoding", "chunked")
                conn.endheaders()
                for piece in body:
                    if piece:
                        conn.send(_chunk(piece))
                conn.send(b"0\r\n\r\n")
            response = conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            conn.close()
            if keepalive:
                pool.pop(port, None)
                if attempt == 0 and (body is None or isinstance(body, (bytes, bytearray))):
                    continue
            raise
        done = time.perf_counter()
        if not keepalive or response.will_close:
            conn.close()
            if keepalive:
                pool.pop(port, None)
        return Resp(where or str(port), method, path, response.status, response.getheaders(), data, sent, done)
    raise AssertionError("unreachable")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def claims(token: str) -> dict:
    return json.loads(b64url_decode(token.split(".")[1]))


def jose_header(token: str) -> dict:
    return json.loads(b64url_decode(token.split(".")[0]))


def kid_of(token: str) -> str:
    return jose_header(token)["kid"]


def forge(header: dict, payload: dict, signature: bytes = b"\x01" * 64) -> str:
    """A compact JWS with the given header and claims and a signature that proves nothing."""
    return ".".join([b64url(json.dumps(header).encode()), b64url(json.dumps(payload).encode()), b64url(signature)])


def expect(resp: Resp, status: int, what: str, error: str | None = None) -> Resp:
    assert resp.status == status, f"{what}: expected {status}, got {resp.describe()}"
    if error is not None:
        assert resp.error == error, f"{what}: expected error {error!r}, got {resp.describe()}"
    return resp


# ------------------------------------------------------------------------------------------
# HTTP/1.1 bodies on the server side (BaseHTTPRequestHandler reads neither chunked bodies nor
# anything else by itself)
# ------------------------------------------------------------------------------------------

def read_request_body(rfile, headers) -> bytes:
    if "chunked" in (headers.get("Transfer-Encoding") or "").lower():
        pieces = []
        while True:
            line = rfile.readline(65537)
            if not line:
                raise ConnectionError("the body ended inside a chunk header")
            size = int(line.split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(pieces)
            pieces.append(rfile.read(size))
            rfile.readline(3)
    length = int(headers.get("Content-Length") or 0)
    return rfile.read(length) if length else b""


HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization",
              "te", "trailer", "transfer-encoding", "upgrade"}
# What the proxy does not copy from the token server's answers: hop-by-hop headers and those
# BaseHTTPRequestHandler.send_response writes itself.
NOT_RELAYED = HOP_BY_HOP | {"content-length", "server", "date"}


class QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request, client_address):  # noqa: D401 - the default prints tracebacks
        pass


class Handler(http.server.BaseHTTPRequestHandler):
    """HTTP/1.1 with keep-alive, quiet, and TCP_NODELAY: BaseHTTPRequestHandler sends the head
    and the body in two writes, and with Nagle's algorithm the second waits for the peer's
    delayed ACK — 40 ms on every answer, which would swamp every latency measured through it."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass


# ------------------------------------------------------------------------------------------
# The echo upstream
# ------------------------------------------------------------------------------------------

class EchoUpstream:
    """The service behind the gateways. Answers every request with JSON describing it (method,
    target, headers in order, body length and SHA-256) and `X-Upstream: echo`. Routes:

    - `/slow/TAG…`: answers only when the test releases it (`release(TAG)`, or `release()` for
      all) or after 60 s;
    - `/close/…`: closes the connection without an answer;
    - `/large/N`: streams N deterministic bytes chunked, `X-Body-SHA256` gives their digest;
    - `/hop/…`: an answer carrying hop-by-hop headers (and one its `Connection` names);
    - `/status/N`: an answer with status N.
    """

    def __init__(self):
        self.requests: list[tuple[str, str, list[tuple[str, str]]]] = []
        self.lock = threading.Lock()
        self.released = threading.Event()  # releases every slow request
        self.holds: dict[str, threading.Event] = {}
        self.slow_waiting = 0
        self._large: dict[int, bytes] = {}
        upstream = self

        class EchoHandler(Handler):
            server_version = "echo"

            def handle_any(self):
                body = read_request_body(self.rfile, self.headers)
                path = urllib.parse.urlsplit(self.path).path
                first = path.split("/")[1] if path.count("/") >= 1 else ""
                with upstream.lock:
                    upstream.requests.append((self.command, self.path, list(self.headers.items())))
                if first == "close":
                    self.close_connection = True
                    try:
                        self.connection.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
                    return
                if first == "slow":
                    tag = path.split("/")[2] if path.count("/") >= 2 else ""
                    with upstream.lock:
                        upstream.slow_waiting += 1
                        hold = upstream.holds.setdefault(tag, threading.Event())
                    try:
                        deadline = time.monotonic() + 60
                        while not (hold.is_set() or upstream.released.is_set()) and time.monotonic() < deadline:
                            hold.wait(0.05)
                    finally:
                        with upstream.lock:
                            upstream.slow_waiting -= 1
                if first == "large":
                    return self.large(int(path.split("/")[2]))
                status = 200
                extra: list[tuple[str, str]] = []
                if first == "status":
                    status = int(path.split("/")[2])
                if first == "hop":
                    extra = [("Connection", "X-Hop-Named"), ("X-Hop-Named", "named by Connection"),
                             ("Keep-Alive", "timeout=30"), ("Proxy-Authenticate", "Basic realm=upstream"),
                             ("X-Kept", "yes")]
                payload = json.dumps({
                    "method": self.command,
                    "target": self.path,
                    "version": self.request_version,
                    "headers": [[k, v] for k, v in self.headers.items()],
                    "body_length": len(body),
                    "body_sha256": hashlib.sha256(body).hexdigest(),
                }).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("X-Upstream", "echo")
                for name, value in extra:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)

            def large(self, size: int):
                data = upstream.large_body(size)
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("X-Upstream", "echo")
                self.send_header("X-Body-SHA256", hashlib.sha256(data).hexdigest())
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for offset in range(0, len(data), 65536):
                    self.wfile.write(_chunk(data[offset:offset + 65536]))
                self.wfile.write(b"0\r\n\r\n")

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = handle_any

        self.server = QuietServer(("127.0.0.1", 0), EchoHandler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.server.serve_forever, name="echo", daemon=True).start()

    def large_body(self, size: int) -> bytes:
        with self.lock:
            if size not in self._large:
                self._large[size] = random.Random(size).randbytes(size)
            return self._large[size]

    def seen(self, marker: str) -> bool:
        """True when a request whose target contains `marker` reached the upstream."""
        with self.lock:
            return any(marker in target for _, target, _ in self.requests)

    def release(self, tag: str | None = None) -> None:
        """Lets the slow requests of `tag` (all of them, without one) answer."""
        if tag is None:
            self.released.set()
            return
        with self.lock:
            self.holds.setdefault(tag, threading.Event()).set()

    def close(self) -> None:
        self.released.set()
        self.server.shutdown()
        self.server.server_close()


# ------------------------------------------------------------------------------------------
# The fault proxy in front of the token server
# ------------------------------------------------------------------------------------------

@dataclass
class JWKSFetch:
    at: float  # time.perf_counter()
    owner: str
    mode: str
    status: int | None
    if_none_match: str | None


@dataclass
class SeenRequest:
    at: float
    owner: str
    method: str
    path: str


@dataclass
class FeedRequest:
    at: float
    owner: str
    last_event_id: str | None
    outcome: str  # "refused", "streamed", or "HTTP n"


class FeedConnection:
    """One relayed feed stream: the proxy can stall it (hold the issuer's bytes back) or cut it."""

    def __init__(self, owner: str, client: socket.socket):
        self.owner = owner
        self.client = client
        self.upstream: socket.socket | None = None
        self.cond = threading.Condition()
        self.pending: list[bytes] = []
        self.stalled = False
        self.closed = False
        self.cursors: list[str] = []  # every id: and ready cursor relayed, in order
        self._text = ""

    def note(self, data: bytes) -> None:
        """Collects the cursors in what was relayed (SSE lines, possibly split across reads)."""
        self._text += data.decode("utf-8", "replace")
        *lines, self._text = re.split(r"\r\n|\r|\n", self._text)
        for line in lines:
            if line.startswith("id:"):
                value = line[3:].removeprefix(" ")
                if value:
                    self.cursors.append(value)
            elif line.startswith("data:") and '"cursor"' in line:
                try:
                    cursor = json.loads(line[5:]).get("cursor")
                except ValueError:
                    cursor = None
                if isinstance(cursor, str) and cursor:
                    self.cursors.append(cursor)

    def cut(self) -> None:
        with self.cond:
            self.closed = True
            self.cond.notify_all()
        for sock in (self.client, self.upstream):
            if sock is None:
                continue
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class FaultProxy:
    """An HTTP/1.1 proxy in front of the token server; the issuer URL names it, so the gateways
    get the metadata, the JWKS, their client-credentials tokens and the revocation feed through
    it. It forwards everything; it records every JWKS fetch and feed request with the process
    that made it; on command it answers the JWKS with 500, garbage, an oversized body, an empty
    set or a fixed body, or holds it; it refuses, cuts or stalls feed connections. Modes can be
    set for one process (by name) or for all ("*")."""

    JWKS_PATH = "/.well-known/jwks.json"
    FEED_PATH = "/oauth/revocations"

    def __init__(self, name: str = "proxy"):
        self.name = name
        self.target_port: int | None = None
        self.lock = threading.Lock()
        self.seen: list[SeenRequest] = []
        self.jwks_fetches: list[JWKSFetch] = []
        self.feed_requests: list[FeedRequest] = []
        self.feed_connections: list[FeedConnection] = []
        self.jwks_modes: dict[str, str] = {}
        self.jwks_fixed_body: bytes | None = None
        self.jwks_hold = threading.Event()
        self.feed_refused: set[str] = set()
        self.feed_stalled: set[str] = set()
        proxy = self

        class ProxyHandler(Handler):
            server_version = "fault-proxy"
            owner: str | None = None

            def handle_any(self):
                body = read_request_body(self.rfile, self.headers)
                if self.owner is None:
                    self.owner = connection_owner(self.client_address[1], proxy.port)
                path = urllib.parse.urlsplit(self.path).path
                with proxy.lock:
                    proxy.seen.append(SeenRequest(time.perf_counter(), self.owner, self.command, self.path))
                if path == FaultProxy.JWKS_PATH:
                    proxy._jwks(self, body)
                elif path == FaultProxy.FEED_PATH:
                    proxy._feed(self, body)
                else:
                    proxy._forward(self, body)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = handle_any

        self.server = QuietServer(("127.0.0.1", 0), ProxyHandler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.server.serve_forever, name=name, daemon=True).start()

    # -- control ------------------------------------------------------------------------

    def set_jwks_mode(self, mode: str, owner: str = "*") -> None:
        assert mode in ("pass", "500", "garbage", "oversized", "empty", "hold", "fixed"), mode
        with self.lock:
            if mode == "hold":
                self.jwks_hold.clear()
            self.jwks_modes[owner] = mode

    def release_jwks(self) -> None:
        self.jwks_hold.set()

    def jwks_mode(self, owner: str) -> str:
        with self.lock:
            return self.jwks_modes.get(owner, self.jwks_modes.get("*", "pass"))

    def requests_seen(self, owner: str | None = None) -> list[SeenRequest]:
        with self.lock:
            return [r for r in self.seen if owner is None or r.owner == owner]

    def fetches(self, owner: str | None = None, since: float = 0.0) -> list[JWKSFetch]:
        with self.lock:
            return [f for f in self.jwks_fetches if (owner is None or f.owner == owner) and f.at >= since]

    def feed_requests_of(self, owner: str, since: float = 0.0) -> list[FeedRequest]:
        with self.lock:
            return [r for r in self.feed_requests if r.owner == owner and r.at >= since]

    def open_feeds(self, owner: str | None = None) -> list[FeedConnection]:
        with self.lock:
            return [c for c in self.feed_connections if not c.closed and (owner is None or c.owner == owner)]

    def cursors_sent(self, owner: str) -> list[str]:
        with self.lock:
            return [cursor for c in self.feed_connections if c.owner == owner for cursor in c.cursors]

    def refuse_feed(self, owner: str = "*") -> None:
        """Cuts the feed connections of `owner` and resets every new one until `restore_feed`."""
        with self.lock:
            self.feed_refused.add(owner)
        self.cut_feed(owner)

    def cut_feed(self, owner: str = "*") -> int:
        """Closes the open feed connections of `owner` (the readers see the stream end)."""
        with self.lock:
            victims = [c for c in self.feed_connections if not c.closed and (owner == "*" or c.owner == owner)]
        for connection in victims:
            connection.cut()
        return len(victims)

    def stall_feed(self, owner: str = "*") -> None:
        """Holds back everything the issuer sends on `owner`'s feed connections (open ones and
        new ones) without closing them: to the reader the feed falls silent."""
        with self.lock:
            self.feed_stalled.add(owner)
            victims = [c for c in self.feed_connections if owner == "*" or c.owner == owner]
        for connection in victims:
            with connection.cond:
                connection.stalled = True

    def restore_feed(self) -> None:
        """Ends every refusal and stall; what a stalled connection held back is delivered."""
        with self.lock:
            self.feed_refused.clear()
            self.feed_stalled.clear()
            connections = list(self.feed_connections)
        for connection in connections:
            with connection.cond:
                connection.stalled = False
                connection.cond.notify_all()

    def close(self) -> None:
        self.jwks_hold.set()
        self.cut_feed("*")
        self.server.shutdown()
        self.server.server_close()

    # -- relaying -----------------------------------------------------------------------

    def _upstream_request(self, handler, body: bytes, timeout: float = 30) -> tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
        if self.target_port is None:
            raise ConnectionRefusedError("no token server behind the proxy yet")
        conn = http.client.HTTPConnection("127.0.0.1", self.target_port, timeout=timeout)
        conn.putrequest(handler.command, handler.path, skip_host=True, skip_accept_encoding=True)
        for name, value in handler.headers.items():
            if name.lower() in HOP_BY_HOP or name.lower() == "content-length":
                continue
            conn.putheader(name, value)
        if body or handler.command in ("POST", "PUT", "PATCH"):
            conn.putheader("Content-Length", str(len(body)))
        conn.putheader("Connection", "close")
        conn.endheaders(body or None)
        return conn, conn.getresponse()

    @staticmethod
    def _send(handler, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        handler.send_response(status)
        for name, value in headers:
            if name.lower() not in NOT_RELAYED:
                handler.send_header(name, value)
        if status not in (204, 304):
            handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        if handler.command != "HEAD" and status not in (204, 304):
            handler.wfile.write(body)

    def _forward(self, handler, body: bytes) -> int | None:
        try:
            conn, response = self._upstream_request(handler, body)
        except OSError:
            self._send(handler, 502, [("Content-Type", "application/json")], b'{"error":"proxy: token server unreachable"}')
            return None
        try:
            if response.getheader("Content-Length") is not None or response.status in (204, 304) or handler.command == "HEAD":
                self._send(handler, response.status, response.getheaders(), response.read())
                return response.status
            # A stream: relay it chunk by chunk as it comes.
            handler.send_response(response.status)
            for name, value in response.getheaders():
                if name.lower() not in NOT_RELAYED:
                    handler.send_header(name, value)
            handler.send_header("Transfer-Encoding", "chunked")
            handler.end_headers()
            while True:
                data = response.read1(65536)
                if not data:
                    break
                handler.wfile.write(_chunk(data))
            handler.wfile.write(b"0\r\n\r\n")
            return response.status
        finally:
            conn.close()

    def _jwks(self, handler, body: bytes) -> None:
        owner = handler.owner
        mode = self.jwks_mode(owner)
        fetch = JWKSFetch(time.perf_counter(), owner, mode, None, handler.headers.get("If-None-Match"))
        with self.lock:
            self.jwks_fetches.append(fetch)
        json_type = [("Content-Type", "application/json"), ("Cache-Control", "public, max-age=300")]
        if mode == "pass":
            fetch.status = self._forward(handler, body)
        elif mode == "500":
            fetch.status = 500
            self._send(handler, 500, [("Content-Type", "application/json")], b'{"error":"injected by the fault proxy"}')
        elif mode == "garbage":
            fetch.status = 200
            self._send(handler, 200, json_type, b'\x00{"keys": [ this is not JSON \xff')
        elif mode == "empty":
            fetch.status = 200
            self._send(handler, 200, json_type, b'{"keys":[]}')
        elif mode == "oversized":
            # The real set, padded past the readers' 256 KiB cap.
            real = self._fetch_real_jwks()
            document = json.loads(real)
            document["padding"] = "x" * (300 * 1024)
            fetch.status = 200
            self._send(handler, 200, json_type, json.dumps(document).encode())
        elif mode == "fixed":
            fetch.status = 200
            self._send(handler, 200, json_type, self.jwks_fixed_body or b'{"keys":[]}')
        elif mode == "hold":
            self.jwks_hold.wait(120)
            handler.close_connection = True
            try:
                handler.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def _fetch_real_jwks(self) -> bytes:
        conn = http.client.HTTPConnection("127.0.0.1", self.target_port, timeout=10)
        try:
            conn.request("GET", self.JWKS_PATH)
            return conn.getresponse().read()
        finally:
            conn.close()

    def _feed(self, handler, body: bytes) -> None:
        owner = handler.owner
        request = FeedRequest(time.perf_counter(), owner, handler.headers.get("Last-Event-ID"), "")
        with self.lock:
            self.feed_requests.append(request)
            refused = "*" in self.feed_refused or owner in self.feed_refused
            stalled = "*" in self.feed_stalled or owner in self.feed_stalled
        if refused:
            request.outcome = "refused"
            handler.close_connection = True
            handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            handler.connection.close()
            return
        try:
            conn, response = self._upstream_request(handler, body, timeout=None)
        except OSError:
            request.outcome = "HTTP 502"
            self._send(handler, 502, [("Content-Type", "application/json")], b'{"error":"proxy: token server unreachable"}')
            return
        content_type = response.getheader("Content-Type") or ""
        if response.status != 200 or not content_type.startswith("text/event-stream"):
            request.outcome = f"HTTP {response.status}"
            try:
                self._send(handler, response.status, response.getheaders(), response.read())
            finally:
                conn.close()
            return
        request.outcome = "streamed"
        stream = FeedConnection(owner, handler.connection)
        stream.upstream = conn.sock
        stream.stalled = stalled
        with self.lock:
            self.feed_connections.append(stream)
        handler.close_connection = True
        handler.send_response(200)
        for name, value in response.getheaders():
            if name.lower() not in NOT_RELAYED:
                handler.send_header(name, value)
        handler.send_header("Transfer-Encoding", "chunked")
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.wfile.flush()

        def pump() -> None:
            """Reads the issuer's stream into `pending` (the handler thread writes it out)."""
            try:
                while True:
                    data = response.read1(65536)
                    if not data:
                        break
                    with stream.cond:
                        stream.pending.append(data)
                        stream.cond.notify_all()
            except Exception:  # noqa: BLE001 - a cut stream ends reads in many ways (and http.client's state with them)
                pass
            finally:
                with stream.cond:
                    stream.closed = True
                    stream.cond.notify_all()

        threading.Thread(target=pump, name=f"feed-pump-{owner}", daemon=True).start()
        try:
            while True:
                with stream.cond:
                    while not (stream.pending and not stream.stalled) and not stream.closed:
                        stream.cond.wait()
                    if stream.stalled or not stream.pending:
                        if stream.closed:
                            break
                        continue
                    data = b"".join(stream.pending)
                    stream.pending.clear()
                handler.wfile.write(_chunk(data))
                handler.wfile.flush()
                stream.note(data)
        except OSError:
            pass
        finally:
            stream.cut()
            conn.close()


# ------------------------------------------------------------------------------------------
# jwtauth processes
# ------------------------------------------------------------------------------------------

def child_environment() -> dict[str, str]:
    """The environment for jwtauth children: ours without JWTAUTH_* (the product reads those)."""
    return clean_environment()


def run_cli(binary: str, *args: str, input: str | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([binary, *args], input=input, capture_output=True, text=True, timeout=timeout,
                          cwd=WORK, env=child_environment())


class Process:
    """A jwtauth child that prints `… listening on http://127.0.0.1:PORT` on stdout once ready.
    stdout and stderr go to `<WORK>/<name>/output.log`."""

    listening = re.compile(rb"listening on http://127\.0\.0\.1:(\d+)")

    def __init__(self, name: str, binary: str):
        self.name = name
        self.binary = binary
        self.dir = WORK / name
        self.dir.mkdir(parents=True, exist_ok=True)
        self.log = self.dir / "output.log"
        self.proc: subprocess.Popen | None = None
        self.port = 0
        self._listening = threading.Event()

    def arguments(self) -> list[str]:
        raise NotImplementedError

    def start(self, wait: bool = True) -> None:
        assert self.proc is None or self.proc.poll() is not None, f"{self.name} is already running"
        self._listening.clear()
        self.port = 0
        with open(self.log, "ab", buffering=0) as log:
            log.write(f"\n=== start {time.strftime('%H:%M:%S')}: {' '.join(self.arguments())}\n".encode())
            self.proc = subprocess.Popen(
                [self.binary, *self.arguments()],
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log, cwd=self.dir,
                env=child_environment(), start_new_session=True,
            )
        register_pid(self.name, self.proc.pid)
        threading.Thread(target=self._read_stdout, args=(self.proc,), name=f"stdout-{self.name}", daemon=True).start()
        if wait:
            self.wait_listening()

    def _read_stdout(self, proc: subprocess.Popen) -> None:
        assert proc.stdout is not None
        with open(self.log, "ab", buffering=0) as log:
            for line in proc.stdout:
                log.write(line)
                match = self.listening.search(line)
                if match and not self._listening.is_set():
                    self.port = int(match.group(1))
                    self._listening.set()

    def wait_listening(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not self._listening.wait(0.05):
            if self.proc.poll() is not None:
                pytest.fail(f"{self.name} exited with {self.proc.returncode} before listening:\n{tail(self.log)}")
            if time.monotonic() > deadline:
                pytest.fail(f"{self.name} printed no 'listening' line within {timeout} s:\n{tail(self.log)}")

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> int | None:
        """SIGTERM (graceful shutdown), SIGKILL after 20 s; returns the exit status."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        forget_pid(self.name, self.proc.pid)
        return self.proc.returncode

    def request(self, method: str, path: str, **kwargs) -> Resp:
        kwargs.setdefault("where", self.name)
        return http_request(self.port, method, path, **kwargs)


class TokenServer(Process):
    """`jwtauth serve` on a SQLite data directory, its issuer URL naming the fault proxy."""

    def __init__(self, name: str, binary: str, issuer: str, extra: Iterable[str] = ()):
        super().__init__(name, binary)
        self.issuer = issuer
        self.data = self.dir / "data"
        self.extra = list(extra)

    def arguments(self) -> list[str]:
        return ["serve", "--host", "127.0.0.1", "--port", "0", "--data-dir", str(self.data),
                "--issuer", self.issuer, "--bcrypt-cost", BCRYPT_COST,
                # Every test user registers from loopback.
                "--register-limit", "100000/1h", *self.extra]

    def cli(self, *args: str, input: str | None = None) -> subprocess.CompletedProcess:
        """A `jwtauth` administration command against this server's store."""
        return run_cli(self.binary, *args, "--data-dir", str(self.data), input=input)

    # -- the HTTP API, called directly (not through the proxy) --------------------------

    def register(self, username: str, password: str = PASSWORD) -> Resp:
        return self.request("POST", "/auth/register", json_body={"username": username, "password": password})

    def login(self, username: str, password: str = PASSWORD) -> Resp:
        return self.request("POST", "/auth/login", json_body={"username": username, "password": password})

    def refresh(self, refresh_token: str) -> Resp:
        return self.request("POST", "/auth/refresh", json_body={"refresh_token": refresh_token}, keepalive=True)

    def logout(self, refresh_token: str) -> Resp:
        return self.request("POST", "/auth/logout", json_body={"refresh_token": refresh_token})

    def logout_all(self, access_token: str) -> Resp:
        return self.request("POST", "/auth/logout-all", headers=[("Authorization", f"Bearer {access_token}")])

    def admin_revoke(self, admin_token: str, user_id: str) -> Resp:
        return self.request("POST", f"/admin/users/{user_id}/revoke", headers=[("Authorization", f"Bearer {admin_token}")])

    def jwks(self) -> dict:
        resp = self.request("GET", "/.well-known/jwks.json")
        expect(resp, 200, "GET /.well-known/jwks.json on the token server")
        return resp.json

    def jwks_kids(self) -> set[str]:
        return {key.get("kid") for key in self.jwks().get("keys", [])}


class Gateway(Process):
    """`jwtauth gateway` with the given flags (--issuer, --upstream, --host and --port are added)."""

    def __init__(self, name: str, binary: str, issuer: str, upstream: str, flags: Iterable[str] = ()):
        super().__init__(name, binary)
        self.issuer = issuer
        self.upstream = upstream
        self.flags = list(flags)

    def arguments(self) -> list[str]:
        return ["gateway", "--issuer", self.issuer, "--upstream", self.upstream, "--host", "127.0.0.1",
                "--port", "0", *self.flags]

    def get(self, path: str, token: str | None = None, headers: Iterable[tuple[str, str]] = (), **kwargs) -> Resp:
        header_list = list(headers)
        if token is not None:
            header_list.append(("Authorization", f"Bearer {token}"))
        return self.request("GET", path, headers=header_list, **kwargs)

    def health(self) -> Resp:
        return self.request("GET", "/health", timeout=10)

    def wait_healthy(self, timeout: float = 30) -> None:
        def healthy() -> bool:
            if not self.running:
                pytest.fail(f"{self.name} exited with {self.proc.returncode}:\n{tail(self.log)}")
            return self.health().status == 200
        wait_for(healthy, timeout, f"/health on {self.name} to answer 200", interval=0.05)
