"""Signing keys and the gateways: rotation by hand under load, key revocation, and scheduled
rotation with publish-ahead."""

from __future__ import annotations

import collections
import json
import threading
import time
import uuid

import pytest

from conftest import Deployment, MainDeployment, Tokens
from harness import Gateway, TokenServer, expect, kid_of, wait_for

DEADLINE = 5.0  # seconds for a revoked key to be refused at a gateway


def marker() -> str:
    return uuid.uuid4().hex[:12]


def keys_list(server: TokenServer) -> list[dict]:
    result = server.cli("keys", "list", "--json")
    assert result.returncode == 0, f"jwtauth keys list --json: {result.returncode}\n{result.stdout}{result.stderr}"
    return json.loads(result.stdout)


def keys_in_state(server: TokenServer, state: str) -> list[str]:
    return [key["kid"] for key in keys_list(server) if key["state"] == state]


class Load:
    """Threads that each keep a session, refresh it for a fresh access token and send every
    fresh token through every gateway given; every answer other than 200 from the upstream is
    a failure. Counts requests per signing kid."""

    def __init__(self, d: Deployment, gateways: list[Gateway], sessions: int = 3):
        self.d = d
        self.gateways = gateways
        self.stop_event = threading.Event()
        self.lock = threading.Lock()
        self.failures: list[str] = []
        self.by_kid: collections.Counter = collections.Counter()
        self.tokens_by_kid: dict[str, float] = {}  # kid -> perf_counter when a token with it was first requested
        self.requests = 0
        self.threads = []
        username, _ = d.new_user("load")
        self.sessions = [d.login(username) for _ in range(sessions)]

    def start(self) -> None:
        for index, tokens in enumerate(self.sessions):
            thread = threading.Thread(target=self._run, args=(tokens,), name=f"load-{index}", daemon=True)
            thread.start()
            self.threads.append(thread)

    def _run(self, tokens: Tokens) -> None:
        refresh = tokens.refresh
        while not self.stop_event.is_set():
            try:
                requested = time.perf_counter()
                resp = self.d.server.refresh(refresh)
                if resp.status != 200:
                    self._fail(f"refresh: {resp.describe()}")
                    return
                refresh = resp.json["refresh_token"]
                access = resp.json["access_token"]
                kid = kid_of(access)
                with self.lock:
                    self.tokens_by_kid.setdefault(kid, requested)
                for gateway in self.gateways:
                    answer = gateway.get(f"/load/{kid}", access, keepalive=True, timeout=30)
                    with self.lock:
                        self.requests += 1
                        if answer.status == 200 and answer.from_upstream:
                            self.by_kid[(gateway.name, kid)] += 1
                        else:
                            self.failures.append(f"{answer.describe()} (token signed by {kid})")
            except Exception as error:  # noqa: BLE001 - reported by the test
                self._fail(f"load thread: {error!r}")
                return

    def _fail(self, message: str) -> None:
        with self.lock:
            self.failures.append(message)

    def served(self, kid: str) -> int:
        """Requests with tokens of `kid` that every gateway answered (the smallest count)."""
        with self.lock:
            return min(self.by_kid[(g.name, kid)] for g in self.gateways)

    def alive(self) -> bool:
        return all(thread.is_alive() for thread in self.threads)

    def finish(self) -> None:
        self.stop_event.set()
        for thread in self.threads:
            thread.join(60)


# ------------------------------------------------------------------------------------------
# Rotation by hand under load, key revocation
# ------------------------------------------------------------------------------------------

def rotate(server: TokenServer) -> str:
    result = server.cli("keys", "rotate")
    assert result.returncode == 0, f"jwtauth keys rotate: {result.returncode}\n{result.stdout}{result.stderr}"
    words = result.stdout.split()
    assert words, f"jwtauth keys rotate printed nothing: {result.stderr}"
    return words[-1]


def test_rotation_by_hand_under_load(deployment: MainDeployment) -> None:
    d = deployment
    before_rotation = d.login(d.new_user("rotation-old")[0])
    load = Load(d, d.main_gateways)
    start = time.perf_counter()
    load.start()
    kids = [before_rotation.kid]
    try:
        wait_for(lambda: load.served(kids[0]) >= 20 or not load.alive(), 60, "the load to get going")
        for rotation in range(2):
            previous = kids[-1]
            published = d.server.jwks_kids()
            nexts = keys_in_state(d.server, "next")
            new_kid = rotate(d.server)
            assert nexts == [new_kid], f"keys rotate must make the next key ({nexts}) sign, printed {new_kid}"
            assert new_kid in published, f"{new_kid} signs now but was not published ahead: {published}"
            assert new_kid != previous, f"keys rotate printed the kid that already signed: {new_kid}"
            kids.append(new_kid)
            assert keys_in_state(d.server, "current") == [new_kid], keys_list(d.server)
            assert previous in keys_in_state(d.server, "retired"), keys_list(d.server)
            rotated_at = time.perf_counter()
            wait_for(lambda: load.served(new_kid) >= 20 or not load.alive() or load.failures, 60,
                     f"requests with tokens signed by the new key {new_kid} through both gateways")
            assert not load.failures, "requests failed during rotation by hand:\n" + "\n".join(load.failures[:20])
            print(f"\nrotation {rotation + 1}: tokens signed by {new_kid} served at both gateways "
                  f"{time.perf_counter() - rotated_at:.2f} s after `keys rotate`")
            # Tokens signed by the retired key stay good.
            for gateway in d.main_gateways:
                expect(gateway.get(f"/old/{marker()}", before_rotation.access), 200,
                       f"a token signed by the retired key {before_rotation.kid} on {gateway.name}")
    finally:
        load.finish()
    assert not load.failures, "requests failed during rotation by hand:\n" + "\n".join(load.failures[:20])
    assert load.alive() is False
    fetches = collections.Counter(f.owner for f in d.proxy.fetches(since=start))
    print(f"rotation by hand: {load.requests} requests through both gateways, none failed; "
          f"requests per (gateway, kid): {dict(load.by_kid)}; JWKS fetches meanwhile: {dict(fetches)}")
    published = d.server.jwks_kids()
    assert set(kids) <= published, f"the current and retired keys must stay published: {kids} vs {published}"


def test_key_revocation(deployment: MainDeployment, jwtauth_bin: str) -> None:
    """`jwtauth keys revoke KID` on the current key: tokens it signed are refused at both
    gateways within seconds (the feed's key-revoked event), new tokens (signed by the key that
    took over) work, and a gateway that starts later refuses them even when it is handed a
    cached JWKS that still lists the key."""
    d = deployment
    victim = d.login(d.new_user("keyrevoke")[0])
    kid = victim.kid
    assert keys_in_state(d.server, "current") == [kid], keys_list(d.server)
    old_jwks = d.server.request("GET", "/.well-known/jwks.json").body
    for gateway in d.main_gateways:
        expect(gateway.get(f"/key/{marker()}", victim.access), 200, f"a token of {kid} on {gateway.name} before")

    result = d.server.cli("keys", "revoke", kid)
    assert result.returncode == 0, f"jwtauth keys revoke: {result.returncode}\n{result.stdout}{result.stderr}"
    revoked_at = time.perf_counter()
    took = {}
    for gateway in d.main_gateways:
        def refused(gateway=gateway) -> bool:
            resp = gateway.get(f"/key/{marker()}", victim.access, keepalive=True)
            assert resp.status in (200, 401), f"a token of a revoked key on {gateway.name}: {resp.describe()}"
            return resp.refused
        wait_for(refused, DEADLINE, f"{gateway.name} to refuse tokens of the revoked key {kid}")
        took[gateway.name] = time.perf_counter() - revoked_at
    print(f"\nkey {kid} revoked: refused by " + ", ".join(f"{k} after {v * 1000:.0f} ms" for k, v in took.items()))
    wait_for(lambda: kid not in d.server.jwks_kids(), DEADLINE, f"the revoked key {kid} to leave the JWKS")
    assert kid in keys_in_state(d.server, "revoked"), keys_list(d.server)
    fresh = d.login(d.new_user("keyrevoke-after")[0])
    assert fresh.kid != kid, "the server still signs with the revoked key"
    for gateway in d.main_gateways:
        expect(gateway.get(f"/key/{marker()}", fresh.access), 200, f"a new token on {gateway.name} after the key revocation")

    # A gateway that starts now and gets an old copy of the JWKS (a cache, a CDN) that still
    # lists the key: the feed's key revocation wins.
    late_name = f"late-{d.tag}"
    d.proxy.jwks_fixed_body = old_jwks
    d.proxy.set_jwks_mode("fixed", late_name)
    try:
        late = d.add_gateway("late")
        assert late.name == late_name
        resp = late.get(f"/key/{marker()}", victim.access)
        assert resp.refused, f"a gateway fed a stale JWKS accepted a token of the revoked key: {resp.describe()}"
        assert any(f.owner == late_name and f.mode == "fixed" for f in d.proxy.fetches()), "the late gateway was not served the old JWKS"
    finally:
        d.proxy.set_jwks_mode("pass", late_name)
    d.remove_gateway(late)


def test_key_revocation_made_while_the_feed_is_cut(deployment: MainDeployment) -> None:
    """Key revocations carry no cursor: a gateway that was cut off from the feed when a key was
    revoked must hear of it when it reconnects (with Last-Event-ID). Meanwhile the proxy hands
    the gateways the JWKS from before the revocation (a cache would), so only the feed can tell
    them."""
    d = deployment
    victim = d.login(d.new_user("keygap")[0])
    kid = victim.kid
    d.proxy.jwks_fixed_body = d.server.request("GET", "/.well-known/jwks.json").body
    assert kid in d.proxy.jwks_fixed_body.decode()
    for gateway in d.main_gateways:
        d.proxy.set_jwks_mode("fixed", gateway.name)
        expect(gateway.get(f"/keygap/{marker()}", victim.access), 200, f"a token of {kid} on {gateway.name} before the gap")
    try:
        cut_at = time.perf_counter()
        d.proxy.refuse_feed("*")
        try:
            for gateway in d.main_gateways:
                wait_for(lambda gateway=gateway: any(r.outcome == "refused" for r in d.proxy.feed_requests_of(gateway.name, cut_at)),
                         10, f"{gateway.name} to be refused the feed")
            result = d.server.cli("keys", "revoke", kid)
            assert result.returncode == 0, f"jwtauth keys revoke: {result.returncode}\n{result.stdout}{result.stderr}"
            wait_for(lambda: kid not in d.server.jwks_kids(), DEADLINE, f"the revoked key {kid} to leave the JWKS")
            for gateway in d.main_gateways:
                expect(gateway.get(f"/keygap/{marker()}", victim.access), 200,
                       f"a token of the revoked key on {gateway.name} during the gap (the gap is real)")
        finally:
            restored_at = time.perf_counter()
            d.proxy.restore_feed()
        for gateway in d.main_gateways:
            def refused(gateway=gateway) -> bool:
                resp = gateway.get(f"/keygap/{marker()}", victim.access, keepalive=True)
                assert resp.status in (200, 401), resp.describe()
                return resp.refused
            wait_for(refused, 30, f"{gateway.name} to refuse tokens of {kid} once the feed is back")
            print(f"\nkey {kid} revoked during a feed gap: refused by {gateway.name} "
                  f"{time.perf_counter() - restored_at:.2f} s after the feed returned")
            resumed = [r for r in d.proxy.feed_requests_of(gateway.name, restored_at) if r.outcome == "streamed"]
            assert resumed and resumed[0].last_event_id, f"{gateway.name} must resume the feed with Last-Event-ID: {resumed}"
            fixed = [f for f in d.proxy.fetches(gateway.name, since=cut_at) if f.mode != "fixed"]
            assert not fixed, f"{gateway.name} was served a current JWKS during the test: {fixed}"
    finally:
        for gateway in d.main_gateways:
            d.proxy.set_jwks_mode("pass", gateway.name)
    fresh = d.login(d.new_user("keygap-after")[0])
    assert fresh.kid != kid
    for gateway in d.main_gateways:
        # The key that signs now may be new to the gateway, and the revoked key's tokens used the
        # unknown-kid fetch a moment ago: allow the cooldown.
        wait_for(lambda gateway=gateway: gateway.get(f"/keygap/{marker()}", fresh.access).status == 200, 15,
                 f"a new token on {gateway.name} after the gap")


# ------------------------------------------------------------------------------------------
# Scheduled rotation with publish-ahead (a deployment of its own)
# ------------------------------------------------------------------------------------------

# Rotation is due every ROTATION seconds, but a key may sign only after it has been published
# for PUBLISH_AHEAD seconds, which is longer here: the schedule must wait for it.
ROTATION = 4  # seconds
PUBLISH_AHEAD = 6  # seconds


class ScheduledDeployment(Deployment):
    def start(self) -> None:
        self.start_server()
        self.G = self.add_gateway("G", ["--jwks-refetch-cooldown", "1s"])


@pytest.fixture(scope="module")
def scheduled(jwtauth_bin: str):
    d = ScheduledDeployment("scheduled", jwtauth_bin,
                            ["--key-rotation", f"{ROTATION}s", "--key-publish-ahead", f"{PUBLISH_AHEAD}s",
                             # A retired key stays until every token it signed has expired: with the
                             # default 6 h refresh tokens, rotating every few seconds would publish
                             # thousands of keys, which the server refuses (at most 200).
                             "--refresh-ttl", "5m"])
    problems: list[str] = []
    try:
        d.start()
        yield d
    finally:
        problems = d.stop()
    assert not problems, "\n".join(problems)


def test_scheduled_rotation_with_publish_ahead(scheduled: ScheduledDeployment) -> None:
    """Under load through a gateway, the server rotates by itself twice. Every new kid is in the
    JWKS before any token carries it, the server's records show it published PUBLISH_AHEAD
    before it signed, and no request fails across the rotations."""
    d = scheduled
    first_in_jwks: dict[str, float] = {}
    stop = threading.Event()

    def watch_jwks() -> None:
        while not stop.is_set():
            try:
                kids = d.server.jwks_kids()
            except Exception:  # noqa: BLE001 - the next poll tells
                kids = set()
            now = time.perf_counter()
            for kid in kids:
                first_in_jwks.setdefault(kid, now)
            stop.wait(0.1)

    watcher = threading.Thread(target=watch_jwks, daemon=True)
    watcher.start()
    wait_for(lambda: first_in_jwks, 10, "the first look at the JWKS")
    load = Load(d, [d.G])
    load.start()
    try:
        wait_for(lambda: len(load.tokens_by_kid) >= 3 or load.failures or not load.alive(),
                 4 * max(ROTATION, PUBLISH_AHEAD) + 30, "tokens signed by three keys in turn (two scheduled rotations)")
        newest = max(load.tokens_by_kid, key=load.tokens_by_kid.get)
        wait_for(lambda: load.served(newest) >= 10 or load.failures or not load.alive(), 30, f"requests with {newest}")
    finally:
        load.finish()
        stop.set()
        watcher.join(10)
    assert not load.failures, "requests failed across scheduled rotations:\n" + "\n".join(load.failures[:20])

    ordered = sorted(load.tokens_by_kid, key=load.tokens_by_kid.get)
    ahead = {}
    for kid in ordered:
        assert kid in first_in_jwks, f"tokens carry {kid}, which the JWKS never listed"
        ahead[kid] = round(load.tokens_by_kid[kid] - first_in_jwks[kid], 2)
    for kid in ordered[1:]:
        assert first_in_jwks[kid] < load.tokens_by_kid[kid], \
            f"{kid} signed a token before the JWKS listed it (seconds listed before the first token: {ahead})"
    records = {key["kid"]: key for key in keys_list(d.server)}
    for kid in ordered[1:]:
        record = records[kid]
        assert record["activated_at"] is not None and record["created_at"] is not None, record
        # Whole seconds on both sides.
        assert record["activated_at"] - record["created_at"] >= PUBLISH_AHEAD - 1, \
            f"{kid} signed {record['activated_at'] - record['created_at']} s after it was published; publish-ahead is {PUBLISH_AHEAD} s"
    for kid in ordered[:-1]:
        assert records[kid]["state"] == "retired", f"a key that signed before the newest must be retired: {records[kid]}"
        assert kid in d.server.jwks_kids(), f"the retired {kid} must stay published while its tokens live"
    print(f"\nscheduled rotation (due every {ROTATION} s, publish-ahead {PUBLISH_AHEAD} s): keys {ordered}; "
          f"seen in the JWKS this long (s) before the first token carrying them: {ahead}; "
          f"{load.requests} requests through the gateway, none failed; JWKS fetches by the gateway: "
          f"{len(d.proxy.fetches(d.G.name))}")
