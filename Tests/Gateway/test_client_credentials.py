"""Client credentials (RFC 6749 §4.4) at the token server, and the tokens at the gateways:
HTTP Basic and form authentication, wrong secrets, scopes, no refresh token, `sub` = the
client id; refused (403) by gateways that take users' tokens only, forwarded without a session
by one started with --allow-client-tokens; `jwtauth clients list` and `clients remove` (its
tokens refused at once)."""

from __future__ import annotations

import base64
import json
import time
import urllib.parse
import uuid

import pytest

from conftest import MainDeployment
from conftest import add_client as add_client_to
from harness import Gateway, Resp, claims, expect, jose_header, wait_for

DEADLINE = 5.0


def marker() -> str:
    return uuid.uuid4().hex[:12]


def basic(client_id: str, secret: str) -> str:
    # RFC 6749 §2.3.1: both parts form-encoded before they go into the Basic credentials.
    pair = f"{urllib.parse.quote_plus(client_id)}:{urllib.parse.quote_plus(secret)}"
    return "Basic " + base64.b64encode(pair.encode()).decode()


def client_token(d: MainDeployment, client_id: str, secret: str, *, form_auth: bool = False, scope: str | None = None) -> Resp:
    form = {"grant_type": "client_credentials"}
    if scope is not None:
        form["scope"] = scope
    headers = []
    if form_auth:
        form.update(client_id=client_id, client_secret=secret)
    else:
        headers.append(("Authorization", basic(client_id, secret)))
    return d.server.request("POST", "/oauth/token", headers=headers, form=form)


def add_client(d: MainDeployment, name: str, scopes: str) -> tuple[str, str]:
    return add_client_to(d.server, name, scopes)


@pytest.fixture(scope="module")
def client(deployment: MainDeployment) -> tuple[str, str]:
    return add_client(deployment, f"orders-{marker()}", "orders:read,orders:write")


@pytest.fixture(scope="module")
def machine_gateway(deployment: MainDeployment):
    """A gateway for machine callers: it forwards client tokens too."""
    gateway = deployment.add_gateway("m2m", ["--allow-client-tokens"])
    try:
        yield gateway
    finally:
        deployment.remove_gateway(gateway)


def check_token_response(d: MainDeployment, resp: Resp, client_id: str, scope: str, what: str) -> str:
    expect(resp, 200, what)
    data = resp.json
    assert data.get("token_type") == "Bearer" and data.get("access_token"), f"{what}: {resp.describe()}"
    assert "refresh_token" not in data, f"{what}: the client-credentials grant must not issue a refresh token: {data}"
    assert isinstance(data.get("expires_in"), int) and data["expires_in"] > 0, data
    assert data.get("scope") == scope, f"{what}: scope granted {data.get('scope')!r}, expected {scope!r}"
    assert "no-store" in resp.headers.get("cache-control", ""), f"{what}: token responses are not cacheable: {resp.header_list}"
    token = data["access_token"]
    payload = claims(token)
    assert payload["sub"] == client_id and payload["client_id"] == client_id, f"{what}: {payload}"
    assert "sid" not in payload, f"{what}: a client's token belongs to no session: {payload}"
    assert payload["iss"] == d.issuer, f"{what}: iss {payload['iss']!r} must name the issuer {d.issuer!r}"
    assert jose_header(token).get("typ") in ("at+jwt", "application/at+jwt"), jose_header(token)
    assert sorted(payload.get("scope", "").split()) == sorted(scope.split()), payload
    return token


def test_basic_and_form_authentication(deployment: MainDeployment, client, machine_gateway: Gateway) -> None:
    d = deployment
    client_id, secret = client
    basic_token = check_token_response(d, client_token(d, client_id, secret, scope="orders:read"), client_id,
                                       "orders:read", "client credentials with HTTP Basic")
    form_token = check_token_response(d, client_token(d, client_id, secret, form_auth=True, scope="orders:write"),
                                      client_id, "orders:write", "client credentials in the form")
    every = check_token_response(d, client_token(d, client_id, secret), client_id, "orders:read orders:write",
                                 "client credentials without a scope (every scope of the client)")
    for token, scope in ((basic_token, "orders:read"), (form_token, "orders:write"), (every, "orders:read orders:write")):
        resp = expect(machine_gateway.get(f"/m2m/{marker()}", token, headers=[("X-Auth-Session", "forged")]), 200,
                      f"a client's token on {machine_gateway.name} (--allow-client-tokens)")
        assert resp.echoed("x-auth-subject") == client_id and resp.echoed("x-auth-client") == client_id, resp.describe()
        assert resp.echoed("x-auth-session") is None, f"a client's token has no session: {resp.describe()}"
        assert resp.echoed("x-auth-scope") == scope, resp.describe()
        for gateway in d.main_gateways:
            tag = marker()
            resp = gateway.get(f"/m2m?m={tag}", token)
            expect(resp, 403, f"a client's token on {gateway.name}, which takes users' tokens only", "insufficient_scope")
            assert not d.echo.seen(tag), f"a client's token reached the upstream through {gateway.name}"


def test_wrong_credentials_and_scopes(deployment: MainDeployment, client) -> None:
    d = deployment
    client_id, secret = client
    for what, resp in {
        "a wrong secret (Basic)": client_token(d, client_id, secret + "x"),
        "a wrong secret (form)": client_token(d, client_id, secret[:-1], form_auth=True),
        "an unknown client": client_token(d, "c_unknown_" + marker(), secret),
        "an empty secret": client_token(d, client_id, "", form_auth=True),
    }.items():
        expect(resp, 401, what, "invalid_client")
        assert "access_token" not in (resp.json or {}), resp.describe()
    resp = client_token(d, client_id, secret + "x")
    assert resp.headers.get("www-authenticate", "").lower().startswith("basic"), \
        f"a failed Basic authentication answers with a Basic challenge (RFC 6749 §5.2): {resp.describe()}"
    for scope in ("admin", "orders:read admin", "revocations:read"):
        expect(client_token(d, client_id, secret, scope=scope), 400, f"scope {scope!r} the client does not have",
               "invalid_scope")
    # A user's access token is not a client credential.
    user = d.login(d.new_user("cc-user")[0])
    resp = d.server.request("POST", "/oauth/token", headers=[("Authorization", f"Bearer {user.access}")],
                            form={"grant_type": "client_credentials"})
    expect(resp, 401, "a Bearer token instead of client credentials", "invalid_client")


def test_feed_access_needs_the_scope(deployment: MainDeployment, client) -> None:
    d = deployment
    client_id, secret = client
    expect(d.server.request("GET", "/oauth/revocations", headers=[("Accept", "application/json")]), 401,
           "the feed without a token")
    token = client_token(d, client_id, secret).json["access_token"]
    resp = d.server.request("GET", "/oauth/revocations", headers=[("Accept", "application/json"),
                                                                  ("Authorization", f"Bearer {token}")])
    expect(resp, 403, "the feed with a client token without revocations:read", "insufficient_scope")
    user = d.login(d.new_user("cc-feed")[0])
    resp = d.server.request("GET", "/oauth/revocations", headers=[("Accept", "application/json"),
                                                                  ("Authorization", f"Bearer {user.access}")])
    expect(resp, 403, "the feed with a user's token", "insufficient_scope")
    reader_id, reader_secret = add_client(d, f"reader-{marker()}", "revocations:read")
    token = client_token(d, reader_id, reader_secret, scope="revocations:read").json["access_token"]
    resp = d.server.request("GET", "/oauth/revocations?after=0", headers=[("Accept", "application/json"),
                                                                          ("Authorization", f"Bearer {token}")])
    expect(resp, 200, "the feed as JSON with revocations:read")
    assert isinstance(resp.json.get("events"), list) and isinstance(resp.json.get("cursor"), str), resp.describe()


def test_clients_list_and_remove(deployment: MainDeployment, machine_gateway: Gateway) -> None:
    d = deployment
    name = f"removable-{marker()}"
    client_id, secret = add_client(d, name, "orders:read")
    listed = d.server.cli("clients", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    entries = {entry["id"]: entry for entry in json.loads(listed.stdout)}
    assert client_id in entries and entries[client_id]["name"] == name, entries
    assert entries[client_id]["scopes"] == ["orders:read"], entries[client_id]
    assert secret not in listed.stdout, "clients list must never show a secret"

    token = client_token(d, client_id, secret).json["access_token"]
    expect(machine_gateway.get(f"/m2m/{marker()}", token), 200, f"the client's token on {machine_gateway.name} before removal")
    removed = d.server.cli("clients", "remove", client_id)
    assert removed.returncode == 0, f"jwtauth clients remove: {removed.returncode}\n{removed.stdout}{removed.stderr}"
    removed_at = time.perf_counter()

    def refused() -> bool:
        resp = machine_gateway.get(f"/m2m/{marker()}", token, keepalive=True)
        assert resp.status in (200, 401), resp.describe()
        return resp.refused
    wait_for(refused, DEADLINE, f"{machine_gateway.name} to refuse the token of a removed client")
    print(f"\nremoved client's token refused by {machine_gateway.name} after {(time.perf_counter() - removed_at) * 1000:.0f} ms")
    expect(client_token(d, client_id, secret), 401, "a removed client asking for a token", "invalid_client")
    listed = d.server.cli("clients", "list", "--json")
    assert client_id not in {entry["id"] for entry in json.loads(listed.stdout)}, listed.stdout
