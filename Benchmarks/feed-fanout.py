#!/usr/bin/env python3
"""One token server, many revocation-feed subscribers (docs/PERFORMANCE.md, "Revocation feed").

Starts `jwtauth serve` (release build, SQLite in a scratch directory, a free loopback port),
creates a feed reader with `jwtauth clients add`, opens SUBSCRIBERS concurrent SSE connections to
`GET /oauth/revocations`, waits until every one has received `ready`, and reads the server's
resident memory before and after (memory per subscriber). Then it logs a user in and out TRIALS
times and records, for every subscriber, how long after the logout's answer the matching
`session-revoked` arrived: p50, p99 and the maximum over all deliveries.

    python3 Benchmarks/feed-fanout.py [--subscribers 1000] [--trials 20] [--binary PATH]

Standard library only (asyncio streams). Raises the open-file limit for itself and the server.
No timing is asserted: the numbers are printed (and written as JSON with --json FILE).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def http(method: str, url: str, body: dict | None = None, headers: dict | None = None, form: dict | None = None):
    data = None
    all_headers = dict(headers or {})
    if body is not None:
        data = json.dumps(body).encode()
        all_headers["Content-Type"] = "application/json"
    elif form is not None:
        data = "&".join(f"{k}={urllib.request.quote(v)}" for k, v in form.items()).encode()
        all_headers["Content-Type"] = "application/x-www-form-urlencoded"
    request = urllib.request.Request(url, data=data, headers=all_headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read().decode()
            return response.status, (json.loads(text) if text else None)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


class Subscriber:
    """One SSE connection; records when each session-revoked sid arrived."""

    def __init__(self, port: int, token: str):
        self.port = port
        self.token = token
        self.ready = asyncio.Event()
        self.seen: dict[str, float] = {}
        self.waiters: dict[str, asyncio.Future] = {}
        self.writer: asyncio.StreamWriter | None = None

    async def run(self) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port, limit=1 << 20)
        self.writer = writer
        writer.write(
            (
                "GET /oauth/revocations HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Authorization: Bearer {self.token}\r\nAccept: text/event-stream\r\n\r\n"
            ).encode()
        )
        await writer.drain()
        status = await reader.readline()
        if b" 200 " not in status:
            raise RuntimeError(f"feed answered {status!r}")
        chunked = False
        while (header := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = header.decode().partition(":")
            if name.strip().lower() == "transfer-encoding" and "chunked" in value.lower():
                chunked = True
        pending = b""
        event, data = None, []
        while True:
            if chunked:
                size_line = await reader.readline()
                if not size_line:
                    return
                size = int(size_line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    return
                pending += await reader.readexactly(size)
                await reader.readexactly(2)  # the CRLF after the chunk
            else:
                more = await reader.read(65536)
                if not more:
                    return
                pending += more
            *lines, pending = pending.split(b"\n")
            for raw in lines:
                line = raw.decode().rstrip("\r")
                if line.startswith("event:"):
                    event = line[6:].strip()
                elif line.startswith("data:"):
                    data.append(line[5:].strip())
                elif line == "":
                    self.dispatch(event, data)
                    event, data = None, []

    def dispatch(self, event: str | None, data: list[str]) -> None:
        if event == "ready":
            self.ready.set()
        elif event == "session-revoked" and data:
            sid = json.loads("".join(data)).get("sid")
            if sid and sid not in self.seen:
                self.seen[sid] = time.monotonic()
                waiter = self.waiters.pop(sid, None)
                if waiter and not waiter.done():
                    waiter.set_result(self.seen[sid])

    def arrival(self, sid: str) -> asyncio.Future:
        future = asyncio.get_running_loop().create_future()
        if sid in self.seen:
            future.set_result(self.seen[sid])
        else:
            self.waiters[sid] = future
        return future


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--binary", default=str(ROOT / ".build/release/jwtauth"))
    parser.add_argument("--json", help="write the results here too")
    args = parser.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    scratch = Path(tempfile.mkdtemp(prefix="jwtauth-fanout."))
    port = free_port()
    environment = dict(os.environ, JWTAUTH_LOG_LEVEL="warning")
    server = subprocess.Popen(
        [args.binary, "serve", "--port", str(port), "--data-dir", str(scratch / "data"), "--bcrypt-cost", "10"],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert server.stdout is not None
        server.stdout.readline()  # "jwtauth listening on …"
        base = f"http://127.0.0.1:{port}"
        created = subprocess.run(
            [args.binary, "clients", "add", "fanout", "--scope", "revocations:read", "--data-dir", str(scratch / "data")],
            check=True,
            capture_output=True,
            text=True,
        )
        client = json.loads(created.stdout)
        basic = base64.b64encode(f"{client['client_id']}:{client['client_secret']}".encode()).decode()
        status, token = http("POST", base + "/oauth/token", form={"grant_type": "client_credentials"}, headers={"Authorization": "Basic " + basic})
        assert status == 200, token
        http("POST", base + "/auth/register", {"username": "fanout-user", "password": "fanout password 1"})

        baseline = rss_kib(server.pid)
        subscribers = [Subscriber(port, token["access_token"]) for _ in range(args.subscribers)]
        tasks = [asyncio.create_task(s.run()) for s in subscribers]
        await asyncio.wait_for(asyncio.gather(*(s.ready.wait() for s in subscribers)), timeout=120)
        await asyncio.sleep(1)  # let the server settle before reading its memory (a measurement, not a test)
        connected = rss_kib(server.pid)

        latencies: list[float] = []
        for _ in range(args.trials):
            status, pair = http("POST", base + "/auth/login", {"username": "fanout-user", "password": "fanout password 1"})
            assert status == 200, pair
            sid = json.loads(base64.urlsafe_b64decode(pair["access_token"].split(".")[1] + "==")).get("sid")
            arrivals = [s.arrival(sid) for s in subscribers]
            started = time.monotonic()
            status, _ = http("POST", base + "/auth/logout", {"refresh_token": pair["refresh_token"]})
            assert status == 204
            times = await asyncio.wait_for(asyncio.gather(*arrivals), timeout=30)
            latencies.extend(max(0.0, t - started) * 1000 for t in times)

        latencies.sort()
        result = {
            "subscribers": args.subscribers,
            "trials": args.trials,
            "deliveries": len(latencies),
            "p50_ms": round(statistics.median(latencies), 2),
            "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1], 2),
            "max_ms": round(latencies[-1], 2),
            "server_rss_before_kib": baseline,
            "server_rss_with_subscribers_kib": connected,
            "kib_per_subscriber": round((connected - baseline) / args.subscribers, 1),
        }
        print(json.dumps(result, indent=2))
        if args.json:
            Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
        for task in tasks:
            task.cancel()
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
