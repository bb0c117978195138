"""`jwtauth gateway --metrics-listen` on the binary: a separate listener answers GET /metrics in
the Prometheus text format 0.0.4 with the gateway's verification results, its requests per
route and the revocation feed's lag, and no label names a user, a path, a token or an
address."""

from __future__ import annotations

import re

from conftest import MainDeployment
from harness import expect, free_port, http_request

SAMPLE = re.compile(r'^([a-z_]+)(?:\{(.*)\})? (\S+)$')


def samples(text: str) -> dict[tuple[str, frozenset], float]:
    found = {}
    for line in text.splitlines():
        match = SAMPLE.match(line)
        if not match:
            continue
        labels = frozenset(re.findall(r'(\w+)="([^"]*)"', match.group(2) or ""))
        found[(match.group(1), labels)] = float(match.group(3))
    return found


def test_gateway_metrics_listener(deployment: MainDeployment) -> None:
    port = free_port()
    gateway = deployment.add_gateway("metrics", ["--metrics-listen", f"127.0.0.1:{port}"])
    try:
        username, user_id = deployment.new_user("metrics")
        tokens = deployment.login(username)
        expect(gateway.get(f"/orders/{user_id}", tokens.access), 200, "a good token")
        expect(gateway.get(f"/orders/{user_id}", "not-a-token"), 401, "a garbage token")

        resp = http_request(port, "GET", "/metrics", where="the metrics listener")
        assert resp.status == 200, resp.describe()
        assert resp.headers.get("content-type") == "text/plain; version=0.0.4; charset=utf-8", resp.describe()
        text = resp.body.decode()
        found = samples(text)

        def value(name: str, **labels: str) -> float | None:
            return found.get((name, frozenset(labels.items())))

        assert value("jwtauth_token_verifications_total", result="ok") == 1, text
        assert value("jwtauth_token_verifications_total", result="malformed") == 1, text
        assert value("jwtauth_http_requests_total", method="GET", route="proxy", status="200") == 1, text
        assert value("jwtauth_http_requests_total", method="GET", route="proxy", status="401") == 1, text
        lag = value("jwtauth_revocation_feed_lag_seconds")
        assert lag is not None and 0 <= lag < 60, f"feed lag {lag}"
        for forbidden in (username, user_id, tokens.access, "not-a-token", "/orders", "127.0.0.1"):
            assert forbidden not in text, f"{forbidden} in the scrape"

        assert http_request(port, "GET", "/", where="the metrics listener").status == 404
        # The public port does not serve metrics: /metrics there is forwarded or refused.
        assert not gateway.get("/metrics").body.startswith(b"# TYPE")
    finally:
        deployment.remove_gateway(gateway)
