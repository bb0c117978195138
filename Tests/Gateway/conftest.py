"""Fixtures of the gateway suite: one deployment shared by the tests (token server behind the
fault proxy, an echo upstream, a feed client made with `jwtauth clients add`, two gateways in
front of the upstream), plus the means to add gateways."""

from __future__ import annotations

import json
import os
import time
import uuid
from dataclasses import dataclass
from typing import Iterable

import pytest

from harness import (
    ADMIN_PASSWORD, EchoUpstream, FaultProxy, Gateway, Resp, TokenServer, claims, expect, kid_of, tail,
)

# The main gateways' settings: small where the tests wait for them.
UPSTREAM_TIMEOUT = "2s"
JWKS_COOLDOWN = "2s"
PUBLIC_PREFIXES = ["/public", "/docs/"]
# The token server sends a heartbeat on the feed after a second of silence, so a gateway's
# stale limit can be a few seconds; the main gateways' is long enough that a busy machine
# never makes them stale by accident.
HEARTBEAT = "1s"
STALE_LIMIT = 10.0  # seconds


@dataclass
class Tokens:
    access: str
    refresh: str

    @property
    def sid(self) -> str:
        return claims(self.access)["sid"]

    @property
    def sub(self) -> str:
        return claims(self.access)["sub"]

    @property
    def kid(self) -> str:
        return kid_of(self.access)


def add_client(server: TokenServer, name: str, scopes: str) -> tuple[str, str]:
    """`jwtauth clients add NAME --scope SCOPES` against the server's store: (id, secret)."""
    result = server.cli("clients", "add", name, "--scope", scopes)
    assert result.returncode == 0, f"jwtauth clients add: {result.returncode}\n{result.stdout}{result.stderr}"
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1, f"clients add prints one line: {result.stdout!r}"
    created = json.loads(lines[0])
    assert set(created) == {"client_id", "client_secret"} and all(created.values()), created
    return created["client_id"], created["client_secret"]


def tokens_of(resp: Resp, what: str) -> Tokens:
    expect(resp, 200, what)
    data = resp.json
    assert data.get("token_type") == "Bearer" and data.get("access_token") and data.get("refresh_token"), \
        f"{what}: not a token response: {resp.describe()}"
    return Tokens(data["access_token"], data["refresh_token"])


class Deployment:
    """`jwtauth serve` behind a fault proxy (its --issuer is the proxy's URL, so the metadata,
    the JWKS URL and every token's `iss` name the proxy), an echo upstream, and gateways whose
    --issuer is the proxy."""

    def __init__(self, tag: str, binary: str, server_flags: Iterable[str] = ()):
        self.tag = tag
        self.binary = binary
        self.proxy = FaultProxy(f"proxy-{tag}")
        self.echo = EchoUpstream()
        self.server = TokenServer(f"server-{tag}", binary, self.proxy.url,
                                  ["--revocation-heartbeat", HEARTBEAT, *server_flags])
        self.gateways: list[Gateway] = []
        self._admin: tuple[float, str] | None = None
        self.admin_id = ""
        self.feed_client_id = ""
        self.feed_secret_file = self.server.dir / "gateway-client-secret"

    @property
    def issuer(self) -> str:
        return self.proxy.url

    @property
    def admin_token(self) -> str:
        """An access token of the administrator, renewed by a login when older than two minutes
        (access tokens live five)."""
        if self._admin is None or time.monotonic() - self._admin[0] > 120:
            token = tokens_of(self.server.login("admin", ADMIN_PASSWORD), "admin login").access
            self._admin = (time.monotonic(), token)
        return self._admin[1]

    def start_server(self) -> None:
        self.server.data.mkdir(parents=True, exist_ok=True)
        add = self.server.cli("users", "add", "admin", "--admin", "--bcrypt-cost", "10", input=ADMIN_PASSWORD + "\n")
        assert add.returncode == 0, f"jwtauth users add admin: {add.returncode}\n{add.stdout}\n{add.stderr}"
        self.server.start()
        self.proxy.target_port = self.server.port
        self.admin_id = claims(self.admin_token)["sub"]
        # The gateways' client for the revocation feed, made while the server runs.
        self.feed_client_id, secret = add_client(self.server, f"gateways-{self.tag}", "revocations:read")
        self.feed_secret_file.write_text(secret + "\n")
        self.feed_secret_file.chmod(0o600)

    def add_gateway(self, name: str, flags: Iterable[str] = (), upstream: str | None = None, start: bool = True,
                    healthy: bool = True, stale_limit: float = STALE_LIMIT) -> Gateway:
        """A gateway in front of the echo upstream (or `upstream`) reading the feed as the
        deployment's client, with the given stale limit and flags."""
        feed = ["--client-id", self.feed_client_id, "--client-secret-file", str(self.feed_secret_file),
                "--revocation-stale-limit", f"{stale_limit:g}s"]
        gateway = Gateway(f"{name}-{self.tag}", self.binary, self.issuer, upstream or self.echo.url, [*feed, *flags])
        self.gateways.append(gateway)
        if start:
            gateway.start()
            if healthy:
                gateway.wait_healthy()
        return gateway

    def remove_gateway(self, gateway: Gateway) -> None:
        status = gateway.stop()
        self.gateways.remove(gateway)
        assert status in (0, None), f"{gateway.name} exited with {status} on SIGTERM:\n{tail(gateway.log, 15)}"

    def stop(self) -> list[str]:
        problems = []
        for gateway in list(self.gateways):
            status = gateway.stop()
            if status not in (0, None):
                problems.append(f"{gateway.name} exited with {status} on SIGTERM:\n{tail(gateway.log, 15)}")
        status = self.server.stop()
        if status not in (0, None):
            problems.append(f"{self.server.name} exited with {status} on SIGTERM:\n{tail(self.server.log, 15)}")
        self.proxy.close()
        self.echo.close()
        return problems

    # -- users ---------------------------------------------------------------------------

    def new_user(self, prefix: str) -> tuple[str, str]:
        username = f"{prefix}-{uuid.uuid4().hex[:10]}"
        resp = expect(self.server.register(username), 201, f"register {username}")
        return username, resp.json["id"]

    def login(self, username: str) -> Tokens:
        return tokens_of(self.server.login(username), f"login of {username}")


class MainDeployment(Deployment):
    """The shared deployment: gateways G1 and G2 with the main settings."""

    def start(self) -> None:
        self.start_server()
        flags = ["--upstream-timeout", UPSTREAM_TIMEOUT, "--jwks-refetch-cooldown", JWKS_COOLDOWN]
        for prefix in PUBLIC_PREFIXES:
            flags += ["--public", prefix]
        self.G1 = self.add_gateway("G1", flags)
        self.G2 = self.add_gateway("G2", flags)

    @property
    def main_gateways(self) -> list[Gateway]:
        return [self.G1, self.G2]


@pytest.fixture(scope="session")
def jwtauth_bin() -> str:
    binary = os.environ.get("JWTAUTH_BIN")
    if not binary or not os.access(binary, os.X_OK):
        pytest.exit(f"JWTAUTH_BIN={binary!r} is not an executable (Tests/Gateway/run.sh sets it)", returncode=2)
    return os.path.abspath(binary)


@pytest.fixture(scope="session")
def deployment(jwtauth_bin: str):
    d = MainDeployment("main", jwtauth_bin)
    problems: list[str] = []
    try:
        d.start()
        yield d
    finally:
        problems = d.stop()
    assert not problems, "\n".join(problems)
