"""JWKS fetch discipline at a gateway: a flood of tokens naming made-up kids costs the issuer
at most one JWKS fetch per --jwks-refetch-cooldown, and a bad JWKS answer (500, garbage, too
large, empty, or none at all) never breaks verification with the keys already known; a gateway
that has no keys yet answers 503, not 401, until they arrive."""

from __future__ import annotations

import collections
import math
import threading
import time
import uuid

import pytest

from conftest import MainDeployment
from harness import Gateway, claims, expect, forge, wait_for


def marker() -> str:
    return uuid.uuid4().hex[:12]


def made_up_kid_token(template: str) -> str:
    """A token shaped like the issuer's, naming a kid that no key has."""
    return forge({"alg": "ES256", "typ": "at+jwt", "kid": "made-up-" + marker()}, claims(template))


FLOOD_COOLDOWN = 2.0


@pytest.fixture
def flood_gateway(deployment: MainDeployment):
    gateway = deployment.add_gateway("flood", ["--jwks-refetch-cooldown", f"{FLOOD_COOLDOWN:g}s"])
    try:
        yield gateway
    finally:
        deployment.proxy.set_jwks_mode("pass", gateway.name)
        deployment.proxy.release_jwks()
        deployment.remove_gateway(gateway)


def test_unknown_kid_flood_costs_one_fetch_per_cooldown(deployment: MainDeployment, flood_gateway: Gateway) -> None:
    d = deployment
    gateway = flood_gateway
    good = d.login(d.new_user("flood")[0])
    expect(gateway.get(f"/flood/{marker()}", good.access), 200, "a valid token before the flood")
    statuses: collections.Counter = collections.Counter()
    valid_failures: list[str] = []
    stop = threading.Event()
    lock = threading.Lock()

    def flood() -> None:
        while not stop.is_set():
            resp = gateway.get("/flood", made_up_kid_token(good.access), keepalive=True, timeout=30)
            with lock:
                statuses["refused" if resp.refused else resp.status] += 1

    def valid() -> None:
        while not stop.is_set():
            resp = gateway.get("/flood-valid", good.access, keepalive=True, timeout=30)
            if resp.status != 200:
                with lock:
                    valid_failures.append(resp.describe())

    start = time.perf_counter()
    threads = [threading.Thread(target=flood, daemon=True) for _ in range(6)] + [threading.Thread(target=valid, daemon=True)]
    for thread in threads:
        thread.start()
    wait_for(lambda: time.perf_counter() - start >= 3 * FLOOD_COOLDOWN and sum(statuses.values()) >= 200, 60,
             "the flood to run for three cooldowns")
    stop.set()
    for thread in threads:
        thread.join(30)
    window = time.perf_counter() - start
    fetches = d.proxy.fetches(gateway.name, since=start)
    allowed = math.floor(window / FLOOD_COOLDOWN) + 1
    print(f"\nmade-up kid flood: {sum(statuses.values())} requests in {window:.2f} s -> {dict(statuses)}; "
          f"{len(fetches)} JWKS fetches by {gateway.name} (at most {allowed} allowed with a {FLOOD_COOLDOWN:g} s cooldown)")
    assert set(statuses) == {"refused"}, f"every made-up kid must get 401 invalid_token: {dict(statuses)}"
    assert not valid_failures, f"valid tokens failed during the flood: {valid_failures[:5]}"
    assert 1 <= len(fetches) <= allowed, \
        f"{len(fetches)} JWKS fetches in {window:.2f} s of made-up kids; the cooldown allows {allowed}"


@pytest.mark.parametrize("mode", ["500", "garbage", "oversized", "empty", "hold"])
def test_a_bad_jwks_answer_keeps_the_known_keys(deployment: MainDeployment, flood_gateway: Gateway, mode: str) -> None:
    d = deployment
    gateway = flood_gateway
    good = d.login(d.new_user(f"badjwks-{mode}")[0])
    expect(gateway.get(f"/bad-jwks/{marker()}", good.access), 200, "a valid token before the bad answer")
    d.proxy.set_jwks_mode(mode, gateway.name)
    since = time.perf_counter()
    stop = threading.Event()
    trigger_results: list = []

    def trigger() -> None:
        # Made-up kids until the cooldown lets one through to the (bad) JWKS.
        while not stop.is_set():
            trigger_results.append(gateway.get("/bad-jwks-trigger", made_up_kid_token(good.access), timeout=30).status)

    thread = threading.Thread(target=trigger, daemon=True)
    thread.start()
    try:
        wait_for(lambda: any(f.mode == mode for f in d.proxy.fetches(gateway.name, since)), 20,
                 f"{gateway.name} to fetch the JWKS and get the {mode} answer")
        # While the bad answer is being served (held, for "hold"), known keys still verify.
        for _ in range(5):
            resp = gateway.get(f"/bad-jwks/{marker()}", good.access, timeout=30)
            expect(resp, 200, f"a valid token at {gateway.name} after a {mode} JWKS answer")
        expect(gateway.health(), 200, f"/health after a {mode} JWKS answer (the last good set still serves)")
    finally:
        stop.set()
        d.proxy.release_jwks()
        thread.join(30)
        d.proxy.set_jwks_mode("pass", gateway.name)
    assert set(trigger_results) <= {401}, f"made-up kids during the {mode} answer: {trigger_results}"
    fresh = d.login(d.new_user(f"badjwks-after-{mode}")[0])
    expect(gateway.get(f"/bad-jwks/{marker()}", fresh.access), 200, f"a new token after the {mode} answer")
    expect(gateway.get(f"/bad-jwks/{marker()}", good.access), 200, f"the old token after the {mode} answer")


@pytest.mark.parametrize("mode", ["500", "hold"])
def test_a_gateway_without_keys_answers_503_until_they_arrive(deployment: MainDeployment, mode: str) -> None:
    """A gateway that starts while the JWKS fails cannot tell a good token from a bad one: it
    answers 503 with Retry-After (never 401, which a client would take as "sign in again"),
    says why on /health, and recovers by itself once the JWKS answers."""
    d = deployment
    name = f"nokeys-{mode}-{d.tag}"
    d.proxy.set_jwks_mode(mode, name)
    gateway = d.add_gateway(f"nokeys-{mode}", ["--public", "/public"], healthy=False)
    assert gateway.name == name
    try:
        good = d.login(d.new_user(f"nokeys-{mode}")[0])
        wait_for(lambda: d.proxy.fetches(name), 20, f"{name} to ask for the JWKS")
        health = gateway.health()
        expect(health, 503, f"/health of a gateway without keys ({mode})")
        reasons = (health.json or {}).get("reasons") or []
        assert any("key" in reason for reason in reasons), f"/health must say the keys are missing: {health.describe()}"
        tag = marker()
        resp = gateway.get(f"/nokeys?m={tag}", good.access)
        expect(resp, 503, f"a valid token at a gateway without keys ({mode})", "temporarily_unavailable")
        assert resp.headers.get("retry-after", "").isdigit(), f"503 without Retry-After: {resp.describe()}"
        expect(gateway.get(f"/nokeys?m={tag}"), 401, "no token at all is still a 401")
        assert not d.echo.seen(tag), "a request reached the upstream although the gateway could not verify it"
        expect(gateway.get(f"/public/{marker()}"), 200, "a public path needs no keys")
    finally:
        d.proxy.set_jwks_mode("pass", name)
        d.proxy.release_jwks()
    recovered = time.perf_counter()
    gateway.wait_healthy(30)
    print(f"\n{name}: healthy {time.perf_counter() - recovered:.2f} s after the JWKS answered again")
    expect(gateway.get(f"/nokeys/{marker()}", good.access), 200, f"a valid token once the keys arrived ({mode})")
    d.remove_gateway(gateway)


def test_a_gateway_refuses_metadata_for_another_issuer(deployment: MainDeployment, jwtauth_bin: str) -> None:
    """The issuer's metadata must name exactly the gateway's --issuer (RFC 8414 §3.3): a gateway
    configured with another spelling of the same address takes no keys from it and answers 503."""
    d = deployment
    issuer = d.issuer.replace("127.0.0.1", "localhost")
    assert issuer != d.issuer
    gateway = Gateway(f"wrong-issuer-{d.tag}", jwtauth_bin, issuer, d.echo.url, ["--revocation-stale-limit", "0"])
    gateway.start()
    try:
        wait_for(lambda: any(r.owner == gateway.name and r.path.startswith("/.well-known/oauth-authorization-server")
                             for r in d.proxy.requests_seen()), 20, f"{gateway.name} to read the metadata")
        good = d.login(d.new_user("wrong-issuer")[0])

        def refusing() -> bool:
            health = gateway.health()
            expect(health, 503, "/health of a gateway whose issuer the metadata does not name")
            assert any("issuer" in reason for reason in (health.json or {}).get("reasons", [])), health.describe()
            return True
        wait_for(refusing, 20, f"{gateway.name} to say why it has no keys")
        resp = gateway.get(f"/wrong-issuer/{marker()}", good.access)
        expect(resp, 503, "a token at a gateway without keys", "temporarily_unavailable")
        assert not d.proxy.fetches(gateway.name), "the gateway fetched a JWKS named by metadata for another issuer"
    finally:
        assert gateway.stop() in (0, None)
