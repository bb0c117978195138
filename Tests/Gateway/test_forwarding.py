"""Forwarding through `jwtauth gateway`: identity headers, header hygiene (hop-by-hop,
X-Forwarded-*, one Host), bodies both ways, public prefixes, request targets, refusals at the
gateway, audience and role, upstream faults, Expect: 100-continue, graceful shutdown, and the
start-up checks."""

from __future__ import annotations

import hashlib
import json
import signal
import socket
import threading
import time
import uuid

import pytest

from conftest import PUBLIC_PREFIXES, MainDeployment, Tokens
from harness import ADMIN_PASSWORD, Gateway, b64url, claims, expect, forge, free_port, run_cli, wait_for


@pytest.fixture(scope="module")
def user(deployment: MainDeployment) -> tuple[str, Tokens]:
    username, user_id = deployment.new_user("forwarding")
    tokens = deployment.login(username)
    assert tokens.sub == user_id
    return user_id, tokens


def marker() -> str:
    return uuid.uuid4().hex[:12]


def test_health(deployment: MainDeployment) -> None:
    for gateway in deployment.main_gateways:
        resp = expect(gateway.health(), 200, f"/health on {gateway.name}")
        assert resp.json == {"status": "ok"}, resp.describe()
        assert resp.headers.get("cache-control") == "no-store", resp.describe()
        assert not resp.from_upstream, "the gateway's own /health went to the upstream"


def test_identity_headers_replace_forged_ones(deployment: MainDeployment, user) -> None:
    user_id, tokens = user
    for gateway in deployment.main_gateways:
        path = f"/api/userOrders?limit=5&x=%2F&m={marker()}"
        resp = gateway.get(path, tokens.access, headers=[
            ("X-Auth-Subject", "admin"),
            ("x-AUTH-roles", "admin"),
            ("X-Auth-Session", "forged-session"),
            ("X-Auth-Client", "forged-client"),
            ("X-Auth-Scope", "everything"),
            ("X-Auth-Anything-Else", "forged"),
            ("X_Auth_Subject", "admin"),
            ("x_auth_roles", "admin"),
            ("Accept", "application/json"),
            ("X-Request-Id", "r-42"),
        ])
        expect(resp, 200, f"a valid token through {gateway.name}")
        assert resp.from_upstream, resp.describe()
        data = resp.json
        assert data["method"] == "GET" and data["target"] == path, f"the target goes through as sent: {data}"
        assert resp.echoed("x-auth-subject") == user_id, resp.describe()
        assert resp.echoed("x-auth-session") == tokens.sid, resp.describe()
        assert resp.echoed("x-auth-client") == claims(tokens.access)["client_id"], resp.describe()
        assert resp.echoed("x-auth-roles") == "", resp.describe()
        assert resp.echoed("x-auth-anything-else") is None, f"a forged X-Auth-* header reached the upstream: {resp.describe()}"
        assert not [name for name, _ in data["headers"] if name.lower().startswith("x_auth_")], \
            f"X_Auth_* spellings (read as X-Auth-* by CGI-style servers) reached the upstream: {resp.describe()}"
        auth_headers = [name.lower() for name, _ in data["headers"] if name.lower().startswith("x-auth-")]
        assert sorted(auth_headers) == sorted(set(auth_headers)), f"an X-Auth-* header arrived twice: {auth_headers}"
        assert resp.echoed("authorization") == f"Bearer {tokens.access}", "Authorization is passed on"
        assert resp.echoed("accept") == "application/json" and resp.echoed("x-request-id") == "r-42", resp.describe()

    admin = deployment.server.login("admin", ADMIN_PASSWORD).json["access_token"]
    resp = expect(deployment.G1.get(f"/admin-area/{marker()}", admin, headers=[("X-Auth-Roles", "forged")]), 200,
                  "the admin's token through G1")
    assert resp.echoed("x-auth-roles") == "admin", resp.describe()
    assert resp.echoed("x-auth-subject") == deployment.admin_id, resp.describe()


def test_forwarded_headers(deployment: MainDeployment, user) -> None:
    _, tokens = user
    gateway = deployment.G1
    resp = expect(gateway.get(f"/fwd/{marker()}", tokens.access), 200, "plain request")
    assert resp.echoed("x-forwarded-for") == "127.0.0.1", resp.describe()
    assert resp.echoed("x-forwarded-proto") == "http", resp.describe()
    assert resp.echoed("x-forwarded-host") == f"127.0.0.1:{gateway.port}", resp.describe()
    assert resp.echoed("host") == f"127.0.0.1:{deployment.echo.port}", f"the upstream's own Host: {resp.describe()}"

    resp = expect(gateway.get(f"/fwd/{marker()}", tokens.access, headers=[
        ("Host", "api.example.test"), ("X-Forwarded-For", "203.0.113.9"),
    ]), 200, "request through an earlier proxy")
    assert resp.echoed("x-forwarded-for") == "203.0.113.9, 127.0.0.1", "the caller's address is appended"
    assert resp.echoed("x-forwarded-host") == "api.example.test", resp.describe()
    assert resp.echoed("host") == f"127.0.0.1:{deployment.echo.port}", resp.describe()

    # What the caller claims about earlier hops' scheme and host is replaced, and RFC 7239's
    # Forwarded is dropped: they could point the upstream's links and redirects anywhere.
    resp = expect(gateway.get(f"/fwd/{marker()}", tokens.access, headers=[
        ("X-Forwarded-Proto", "https"), ("X-Forwarded-Host", "evil.example"),
        ("Forwarded", "for=198.51.100.7;proto=https;host=evil.example"),
    ]), 200, "request with forged forwarding headers")
    assert resp.echoed("x-forwarded-proto") == "http", resp.describe()
    assert resp.echoed("x-forwarded-host") == f"127.0.0.1:{gateway.port}", resp.describe()
    assert resp.echoed("forwarded") is None, resp.describe()


def test_hop_by_hop_headers_stay_on_their_hop(deployment: MainDeployment, user) -> None:
    _, tokens = user
    for gateway in deployment.main_gateways:
        resp = gateway.get(f"/hop-in/{marker()}", tokens.access, headers=[
            ("Connection", "keep-alive, X-Private"),
            ("X-Private", "named by Connection"),
            ("Keep-Alive", "timeout=5"),
            ("TE", "trailers"),
            ("Proxy-Authorization", "Basic Zm9vOmJhcg=="),
            ("Proxy-Connection", "keep-alive"),
            ("X-Public", "kept"),
        ], keepalive=True)
        expect(resp, 200, f"hop-by-hop request headers through {gateway.name}")
        for name in ("x-private", "keep-alive", "te", "proxy-authorization", "proxy-connection"):
            assert resp.echoed(name) is None, f"{name} was forwarded by {gateway.name}: {resp.describe()}"
        assert resp.echoed("x-public") == "kept", resp.describe()
        connection = (resp.echoed("connection") or "").lower()
        assert "x-private" not in connection, f"the caller's Connection header was forwarded: {connection}"

        resp = expect(gateway.get(f"/hop/{marker()}", tokens.access), 200, f"hop-by-hop response headers through {gateway.name}")
        assert resp.from_upstream, resp.describe()
        for name in ("x-hop-named", "keep-alive", "proxy-authenticate"):
            assert name not in resp.headers, f"the upstream's {name} reached the caller through {gateway.name}: {resp.header_list}"
        assert "x-hop-named" not in resp.headers.get("connection", "").lower(), resp.header_list
        assert resp.headers.get("x-kept") == "yes", resp.header_list


def test_bodies_both_ways(deployment: MainDeployment, user) -> None:
    _, tokens = user
    auth = [("Authorization", f"Bearer {tokens.access}")]
    for gateway in deployment.main_gateways:
        small = b'{"order": 42, "note": "caf\xc3\xa9"}'
        resp = expect(gateway.request("POST", f"/orders/{marker()}", headers=auth + [("Content-Type", "application/json")],
                                      body=small), 200, f"POST with a length through {gateway.name}")
        assert resp.json["body_length"] == len(small) and resp.json["body_sha256"] == hashlib.sha256(small).hexdigest(), resp.describe()
        assert resp.echoed("content-type") == "application/json", resp.describe()

        big = bytes(range(256)) * (12 * 1024)  # 3 MiB
        pieces = [big[i:i + 100_000] for i in range(0, len(big), 100_000)]
        resp = expect(gateway.request("PUT", f"/upload/{marker()}", headers=auth, body=iter(pieces), timeout=60), 200,
                      f"a chunked 3 MiB upload through {gateway.name}")
        assert resp.json["body_length"] == len(big), resp.describe()
        assert resp.json["body_sha256"] == hashlib.sha256(big).hexdigest(), "the streamed upload arrived changed"

        resp = expect(gateway.request("PUT", f"/upload/{marker()}", headers=auth, body=big, timeout=60), 200,
                      f"a 3 MiB upload with a length through {gateway.name}")
        assert resp.json["body_length"] == len(big) and resp.json["body_sha256"] == hashlib.sha256(big).hexdigest()

        size = 8 * 1024 * 1024 + 17
        resp = expect(gateway.get(f"/large/{size}", tokens.access, timeout=60), 200, f"an 8 MiB streamed answer through {gateway.name}")
        assert len(resp.body) == size, f"{len(resp.body)} bytes arrived of {size}"
        assert hashlib.sha256(resp.body).hexdigest() == resp.headers.get("x-body-sha256"), "the streamed answer arrived changed"

        resp = expect(gateway.request("DELETE", f"/orders/{marker()}", headers=auth), 200, f"DELETE through {gateway.name}")
        assert resp.json["method"] == "DELETE" and resp.json["body_length"] == 0

        resp = gateway.request("HEAD", f"/head/{marker()}", headers=auth)
        expect(resp, 200, f"HEAD through {gateway.name}")
        assert resp.body == b"" and resp.from_upstream

        for status in (201, 404, 500, 503):
            resp = gateway.get(f"/status/{status}", tokens.access)
            assert resp.status == status and resp.from_upstream, \
                f"the upstream's {status} must reach the caller as it is: {resp.describe()}"


def test_public_prefixes(deployment: MainDeployment, user) -> None:
    _, tokens = user
    assert PUBLIC_PREFIXES == ["/public", "/docs/"]
    for gateway in deployment.main_gateways:
        for path in ["/public", "/public/", "/public/a/b?x=1", "/docs", "/docs/intro", "/%70ublic/x"]:
            resp = gateway.get(path, headers=[("X-Auth-Subject", "forged"), ("X-Auth-Roles", "admin")])
            expect(resp, 200, f"public {path} through {gateway.name} without a token")
            assert resp.from_upstream and resp.json["target"] == path, resp.describe()
            assert resp.echoed("x-auth-subject") is None and resp.echoed("x-auth-roles") is None, \
                f"identity headers on a public path: {resp.describe()}"
            assert resp.echoed("x-forwarded-for") == "127.0.0.1", resp.describe()
        # A token on a public path is passed on as it is, but vouches for nothing.
        resp = expect(gateway.get("/public/with-token", tokens.access), 200, "public path with a token")
        assert resp.echoed("authorization") == f"Bearer {tokens.access}", resp.describe()
        for path in ["/publicx", "/publi", "/doc", "/docsx", "/api/public", "/"]:
            tag = marker()
            resp = gateway.get(f"{path}?m={tag}")
            expect(resp, 401, f"{path} is not public on {gateway.name}")
            assert not deployment.echo.seen(tag), f"{path} without a token reached the upstream"
        for path in ["/public/../admin", "/public/%2e%2e/admin", "/public/%2E%2E", "/public/./x", "/public/%5c..%5cadmin",
                     "/public%2f..%2fadmin", "/public/..;/admin", "/public/%252e%252e/admin", "/public/%zz",
                     "/public/a%00b"]:
            tag = marker()
            resp = gateway.get(f"{path}?m={tag}")
            expect(resp, 400, f"{path} through {gateway.name}")
            assert not deployment.echo.seen(tag), f"{path} reached the upstream"


def test_refusals_at_the_gateway(deployment: MainDeployment, user) -> None:
    user_id, tokens = user
    good = claims(tokens.access)
    header = {"alg": "ES256", "typ": "at+jwt", "kid": tokens.kid}
    head, payload, signature = tokens.access.split(".")
    cases = {
        "a malformed token": "not.a.token",
        "the refresh token": tokens.refresh,
        "a broken signature": f"{head}.{payload}.{signature[:-4]}AAAA",
        "another payload under the same signature": f"{head}.{b64url(json.dumps({**good, 'sub': 'someone-else'}).encode())}.{signature}",
        "alg none": forge({"alg": "none", "typ": "at+jwt"}, good, b""),
        "an HS256 token naming the key": forge({**header, "alg": "HS256"}, good, b"\x00" * 32),
        "an unknown kid": forge({**header, "kid": "made-up-" + marker()}, good),
    }
    for gateway in deployment.main_gateways:
        tag = marker()
        resp = gateway.get(f"/private?m={tag}")
        expect(resp, 401, f"no token on {gateway.name}")
        challenge = resp.headers.get("www-authenticate", "")
        assert challenge.startswith("Bearer") and "error=" not in challenge, \
            f"no token: a bare Bearer challenge (RFC 6750 §3.1), got {resp.describe()}"
        for what, token in cases.items():
            resp = gateway.get(f"/private?m={tag}", token)
            assert resp.refused, f"{what} on {gateway.name}: expected 401 invalid_token, got {resp.describe()}"
        resp = gateway.get(f"/private?m={tag}", headers=[("Authorization", f"Basic {tokens.access}")])
        expect(resp, 401, f"a Basic scheme on {gateway.name}")
        resp = gateway.get(f"/private?m={tag}", headers=[("Authorization", f"Bearer {tokens.access}"),
                                                         ("Authorization", f"Bearer {tokens.access}")])
        expect(resp, 400, f"two Authorization headers on {gateway.name}")
        assert not deployment.echo.seen(tag), f"a refused request reached the upstream through {gateway.name}"
        resp = gateway.get(f"/private?m={tag}", "e" * 9000)
        assert resp.refused, f"a 9000-byte token on {gateway.name}: expected 401 invalid_token, got {resp.describe()}"
        # The scheme is case-insensitive (RFC 7235).
        expect(gateway.get(f"/private/{marker()}", headers=[("Authorization", f"bearer {tokens.access}")]), 200,
               "a lower-case bearer scheme")


def test_required_role(deployment: MainDeployment, user) -> None:
    _, tokens = user
    gateway = deployment.add_gateway("role", ["--require-role", "admin"])
    try:
        tag = marker()
        resp = gateway.get(f"/admin-only?m={tag}", tokens.access)
        expect(resp, 403, "a user without the role", "insufficient_scope")
        assert 'error="insufficient_scope"' in resp.headers.get("www-authenticate", ""), resp.describe()
        assert not deployment.echo.seen(tag), "a request without the role reached the upstream"
        expect(gateway.get(f"/admin-only?m={tag}"), 401, "no token at a gateway that requires a role")
        admin = deployment.server.login("admin", ADMIN_PASSWORD).json["access_token"]
        resp = expect(gateway.get(f"/admin-only/{marker()}", admin), 200, "the admin")
        assert resp.echoed("x-auth-roles") == "admin"
    finally:
        deployment.remove_gateway(gateway)


def test_upstream_faults(deployment: MainDeployment, user) -> None:
    _, tokens = user
    gateway = deployment.G1
    resp = gateway.get(f"/close/{marker()}", tokens.access, timeout=30)
    expect(resp, 502, "an upstream that closes the connection without an answer", "upstream_unavailable")
    print(f"\n502 for a closed connection after {(resp.done - resp.sent):.2f} s")

    started = time.monotonic()
    resp = gateway.get(f"/slow/{marker()}", tokens.access, timeout=30)
    elapsed = time.monotonic() - started
    expect(resp, 504, "an upstream slower than --upstream-timeout", "upstream_timeout")
    assert elapsed < 30, "the gateway waited for the slow upstream instead of timing out"
    print(f"\n504 after {elapsed:.2f} s (--upstream-timeout 2s)")

    # The gateway is fine afterwards.
    expect(gateway.get(f"/after-faults/{marker()}", tokens.access), 200, "a normal request after the faults")
    expect(gateway.health(), 200, "/health after upstream faults")

    # The default --upstream-timeout (30 s): a refused connection is a 502 at once, not after
    # retrying until a connect timeout while the caller waits.
    nowhere = f"http://127.0.0.1:{free_port()}"
    down = deployment.add_gateway("down", upstream=nowhere)
    try:
        tag = marker()
        resp = expect(down.get(f"/anything?m={tag}", tokens.access, timeout=5), 502, "an upstream nobody listens on",
                      "upstream_unavailable")
        print(f"502 for an upstream nobody listens on after {(resp.done - resp.sent):.2f} s")
        expect(down.get("/anything"), 401, "no token: refused before the upstream is tried")
        expect(down.health(), 200, "/health says the gateway can verify (the upstream is not its business)")
    finally:
        deployment.remove_gateway(down)


def test_gateway_refuses_to_start_without_a_feed_client(deployment: MainDeployment, jwtauth_bin: str) -> None:
    base = ["gateway", "--issuer", deployment.issuer, "--upstream", deployment.echo.url, "--host", "127.0.0.1", "--port", "0"]
    result = run_cli(jwtauth_bin, *base, timeout=30)
    assert result.returncode != 0, f"started without --client-id: {result.stdout}{result.stderr}"
    assert "--client-id" in result.stderr and "--revocation-stale-limit 0" in result.stderr, result.stderr
    assert "listening" not in result.stdout

    result = run_cli(jwtauth_bin, *base, "--client-id", "someone", timeout=30)
    assert result.returncode != 0 and "--client-secret-file" in result.stderr, \
        f"a client id without a secret must be refused: {result.returncode} {result.stderr}"

    result = run_cli(jwtauth_bin, *base, "--client-id", "someone", "--client-secret-file", "/nonexistent/secret", timeout=30)
    assert result.returncode != 0 and "secret" in result.stderr, \
        f"an unreadable secret file must be refused: {result.returncode} {result.stderr}"

    # With the stale limit at 0 the operator accepts revoked tokens until they expire: it starts,
    # and says so loudly.
    unsafe = Gateway("no-feed-main", jwtauth_bin, deployment.issuer, deployment.echo.url, ["--revocation-stale-limit", "0"])
    try:
        unsafe.start()
        unsafe.wait_healthy()
        username, _ = deployment.new_user("nofeed")
        tokens = deployment.login(username)
        expect(unsafe.get(f"/no-feed/{marker()}", tokens.access), 200, "a valid token at a gateway without the feed")
        log = unsafe.log.read_text(errors="replace").lower()
        assert "revocation" in log and ("warning" in log or "revoked" in log), \
            f"a gateway without the feed must warn at start:\n{log[-2000:]}"
    finally:
        assert unsafe.stop() in (0, None)


def test_request_targets_that_are_not_paths(deployment: MainDeployment, user) -> None:
    """A reverse proxy forwards to its one upstream only. An absolute-form target (RFC 9112
    §3.2.2: a server must accept it) goes to the configured upstream with its path, never to the
    host it names; CONNECT's authority form and OPTIONS * are refused with a 4xx."""
    _, tokens = user
    auth = [("Authorization", f"Bearer {tokens.access}")]
    for gateway in deployment.main_gateways:
        for host in (f"127.0.0.1:{free_port()}", "evil.example"):
            tag = marker()
            target = f"http://{host}/absolute?m={tag}"
            resp = gateway.request("GET", target, headers=auth + [("Host", host)])
            if resp.status != 400:
                expect(resp, 200, f"GET {target} through {gateway.name}")
                assert resp.from_upstream and resp.json["target"] == f"/absolute?m={tag}", \
                    f"an absolute-form target must reach the configured upstream as a path: {resp.describe()}"
            resp = gateway.request("GET", f"http://{host}/absolute?m={tag}")
            expect(resp, 401, f"an absolute-form target without a token through {gateway.name}")
        for method, target in [("CONNECT", f"127.0.0.1:{deployment.echo.port}"), ("OPTIONS", "*")]:
            resp = gateway.request(method, target, headers=auth)
            assert 400 <= resp.status < 500 and not resp.from_upstream, \
                f"{method} {target} through {gateway.name}: expected a 4xx from the gateway, got {resp.describe()}"


def test_audience(deployment: MainDeployment, user) -> None:
    """Tokens are for the audience the gateway is configured with (the issuer by default)."""
    _, tokens = user
    assert claims(tokens.access)["aud"] in (deployment.issuer, [deployment.issuer])
    other = deployment.add_gateway("audience", ["--audience", "https://orders.example"])
    same = deployment.add_gateway("audience-issuer", ["--audience", deployment.issuer])
    try:
        tag = marker()
        resp = other.get(f"/aud?m={tag}", tokens.access)
        assert resp.refused, f"a token for another audience: expected 401 invalid_token, got {resp.describe()}"
        assert not deployment.echo.seen(tag)
        expect(same.get(f"/aud/{marker()}", tokens.access), 200, "--audience set to the issuer explicitly")
    finally:
        deployment.remove_gateway(other)
        deployment.remove_gateway(same)


def test_exactly_one_host(deployment: MainDeployment, user) -> None:
    """More than one Host is a 400 (RFC 9112 §3.2) and goes nowhere; with one, the upstream
    gets its own Host and the caller's in X-Forwarded-Host — a caller never picks the Host
    (the virtual host) the upstream sees."""
    _, tokens = user
    for gateway in deployment.main_gateways:
        for path in ("/two-hosts", "/public/two-hosts"):
            tag = marker()
            resp = gateway.get(f"{path}?m={tag}", tokens.access,
                               headers=[("Host", "api.example.test"), ("Host", "internal.example.test")])
            expect(resp, 400, f"two Host headers on {path} through {gateway.name}")
            assert not deployment.echo.seen(tag), \
                f"a request with two Host headers reached the upstream through {gateway.name}: {deployment.echo.requests[-1]}"
        resp = expect(gateway.get(f"/one-host/{marker()}", tokens.access, headers=[("Host", "api.example.test")]), 200,
                      "one Host")
        assert resp.echoed("host") == f"127.0.0.1:{deployment.echo.port}", resp.describe()
        assert resp.echoed("x-forwarded-host") == "api.example.test", resp.describe()


def test_expect_100_continue(deployment: MainDeployment, user) -> None:
    """A client that sends `Expect: 100-continue` waits for 100 (Continue) before its body. A
    proxy must forward the upstream's 1xx answers or send its own (RFC 9110 §10.1.1, §15.2):
    within a few seconds the client must hear 100 or a final answer."""
    _, tokens = user
    for gateway in deployment.main_gateways:
        with socket.create_connection(("127.0.0.1", gateway.port), timeout=10) as s:
            s.sendall(b"POST /expect/%s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
                      b"Content-Length: 5\r\nExpect: 100-continue\r\n\r\n" % (marker().encode(), tokens.access.encode()))
            s.settimeout(5)
            try:
                first = s.recv(65536)
            except socket.timeout:
                first = b""
            # Let the exchange finish either way, so the upstream is not left waiting.
            s.settimeout(10)
            s.sendall(b"hello")
            rest = b""
            while b"x-upstream" not in (first + rest).lower():
                chunk = s.recv(65536)
                if not chunk:
                    break
                rest += chunk
        assert first.startswith(b"HTTP/1.1 100") or first.startswith(b"HTTP/1.1 2"), \
            (f"{gateway.name} sent nothing within 5 s to a request with Expect: 100-continue (neither its own "
             f"100 Continue nor the upstream's): a client that waits for it stalls; got {first[:80]!r}")
        assert b"HTTP/1.1 200" in first + rest, f"the request with Expect: 100-continue: {(first + rest)[:300]!r}"
    # Without a token the answer is final at once: nothing to wait for.
    with socket.create_connection(("127.0.0.1", deployment.G1.port), timeout=10) as s:
        s.sendall(b"POST /expect HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
        s.settimeout(5)
        assert s.recv(65536).startswith(b"HTTP/1.1 401"), "no token: a final 401 without waiting for the body"


def test_graceful_shutdown(deployment: MainDeployment, user) -> None:
    """SIGTERM lets a request in flight finish (the upstream answers after the signal), then the
    gateway exits with status 0."""
    _, tokens = user
    gateway = deployment.add_gateway("shutdown")
    tag = marker()
    result: list = []

    def slow_request() -> None:
        try:
            result.append(gateway.get(f"/slow/{tag}", tokens.access, timeout=60))
        except Exception as error:  # noqa: BLE001 - reported below
            result.append(error)

    thread = threading.Thread(target=slow_request, daemon=True)
    thread.start()
    try:
        wait_for(lambda: deployment.echo.seen(f"/slow/{tag}"), 10, "the slow request to reach the upstream")
        gateway.proc.send_signal(signal.SIGTERM)
        # The gateway is draining; the upstream answers only now.
        assert gateway.proc.poll() is None, "the gateway exited with a request in flight"
        deployment.echo.release(tag)
        thread.join(30)
        assert result and not isinstance(result[0], Exception), f"the request in flight at SIGTERM: {result}"
        expect(result[0], 200, "the request in flight at SIGTERM")
        assert result[0].from_upstream
        wait_for(lambda: gateway.proc.poll() is not None, 30, "the gateway to exit after draining")
        assert gateway.proc.returncode == 0, f"exit status after SIGTERM: {gateway.proc.returncode}"
    finally:
        deployment.echo.release(tag)
        deployment.remove_gateway(gateway)
