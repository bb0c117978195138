"""`jwtauth serve` exports its request and store spans over OTLP/HTTP when
OTEL_EXPORTER_OTLP_ENDPOINT is set: a collector made here receives them as protobuf, the
spans of the last requests arrive by the time the server has exited (flushed on SIGTERM),
and no token or password is in what is sent."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from test_cli_clients import Server
from test_serve_process import PASSWORD, clean_environment


class Collector:
    """An OTLP/HTTP endpoint on a free loopback port that keeps every export it receives."""

    def __init__(self) -> None:
        self.exports: list[tuple[str, str, bytes]] = []
        self.lock = threading.Lock()
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with collector.lock:
                    collector.exports.append((self.path, self.headers.get("Content-Type", ""), body))
                # An empty ExportTraceServiceResponse: everything accepted.
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def received(self) -> list[tuple[str, str, bytes]]:
        with self.lock:
            return list(self.exports)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def collector():
    collector = Collector()
    yield collector
    collector.close()


def test_spans_reach_an_otlp_collector_and_hold_no_secret(jwtauth_bin, tmp_path: Path, collector: Collector):
    env = clean_environment(OTEL_EXPORTER_OTLP_ENDPOINT=collector.url, OTEL_SERVICE_NAME="jwtauth-under-test")
    server = Server(jwtauth_bin, str(tmp_path / "data"), env=env)
    try:
        headers = {"Content-Type": "application/json", "User-Agent": "trace-test"}
        body = json.dumps({"username": "tracy", "password": PASSWORD}).encode()
        assert server.request("POST", "/auth/register", headers, body)[0] == 201
        status, _, answer = server.request("POST", "/auth/login", headers, body)
        assert status == 200, answer
        tokens = json.loads(answer)
        status, _, _ = server.request("GET", "/api/me", {"Authorization": "Bearer " + tokens["access_token"]})
        assert status == 200
    finally:
        # The batch is sent at shutdown at the latest: nothing here waits on a timer.
        server.stop()

    exports = collector.received()
    assert exports, "the collector received nothing"
    assert all(path == "/v1/traces" for path, _, _ in exports), [path for path, _, _ in exports]
    assert all(kind.startswith("application/x-protobuf") for _, kind, _ in exports), [kind for _, kind, _ in exports]
    sent = b"".join(body for _, _, body in exports)
    assert b"jwtauth-under-test" in sent, "the service name is the resource's"
    for span in (b"POST /auth/login", b"GET /api/me", b"POST /auth/register"):
        assert span in sent, f"no span named {span!r}"
    assert b"http.route" in sent
    for secret in (tokens["access_token"], tokens["refresh_token"], PASSWORD):
        assert secret.encode() not in sent, "a secret was exported"
    assert b"tracy" not in sent, "a username was exported"


def test_an_unsupported_protocol_is_refused_at_start(jwtauth_bin, tmp_path: Path, collector: Collector):
    import subprocess

    env = clean_environment(OTEL_EXPORTER_OTLP_ENDPOINT=collector.url, OTEL_EXPORTER_OTLP_PROTOCOL="grpc")
    result = subprocess.run(
        [jwtauth_bin, "serve", "--port", "0", "--data-dir", str(tmp_path / "data")],
        env=env, capture_output=True, timeout=60,
    )
    assert result.returncode != 0, result
    assert b"grpc" in result.stderr.lower(), result.stderr[:400]
