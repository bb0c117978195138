"""Fixtures of the gateway suite: one deployment shared by the tests (token server behind the
fault proxy, an echo upstream, two gateways in front of it), plus the means to add gateways."""

from __future__ import annotations

import os
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
        self.server = TokenServer(f"server-{tag}", binary, self.proxy.url, server_flags)
        self.gateways: list[Gateway] = []
        self.admin_token = ""
        self.admin_id = ""

    @property
    def issuer(self) -> str:
        return self.proxy.url

    def start_server(self) -> None:
        self.server.data.mkdir(parents=True, exist_ok=True)
        add = self.server.cli("users", "add", "admin", "--admin", "--bcrypt-cost", "10", input=ADMIN_PASSWORD + "\n")
        assert add.returncode == 0, f"jwtauth users add admin: {add.returncode}\n{add.stdout}\n{add.stderr}"
        self.server.start()
        self.proxy.target_port = self.server.port
        admin = tokens_of(self.server.login("admin", ADMIN_PASSWORD), "admin login")
        self.admin_token = admin.access
        self.admin_id = admin.sub

    def gateway_flags(self) -> list[str]:
        """What every gateway of the deployment is started with (before its own flags). The token
        server cannot issue client credentials yet, so the gateways run without the feed."""
        return ["--revocation-stale-limit", "0"]

    def add_gateway(self, name: str, flags: Iterable[str] = (), upstream: str | None = None, start: bool = True,
                    healthy: bool = True) -> Gateway:
        gateway = Gateway(f"{name}-{self.tag}", self.binary, self.issuer, upstream or self.echo.url,
                          [*self.gateway_flags(), *flags])
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
