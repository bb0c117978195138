"""The RFC compact JWS vectors through `jwtauth token verify --jws`, and CLI contract checks.

The vectors are read at test time from ../shared/vectors relative to the repository (or from
$JWTAUTH_VECTORS_DIR); they are never copied into the repo. When the directory is absent the
vector tests are skipped with a message saying so; the CLI contract checks still run.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from conftest import b64url_decode, b64url_encode

REPO = Path(__file__).resolve().parents[2]
VECTORS_DIR = Path(os.environ.get("JWTAUTH_VECTORS_DIR") or REPO.parent / "shared" / "vectors")
VECTOR_FILES = ["rfc7515.json", "rfc7520.json", "rfc8037.json", "rfc7797.json"]

NONE_VECTOR = "rfc7515-A.5-unsecured-none"
B64_FALSE_VECTOR = "rfc7797-4.2-b64-false-detached"
DETACHED_VECTOR = "rfc7520-4.5-HS256-detached"
MUST_REJECT = {NONE_VECTOR, B64_FALSE_VECTOR, DETACHED_VECTOR}


def _load_compact_vectors() -> list[dict] | None:
    if not VECTORS_DIR.is_dir():
        return None
    vectors = []
    for name in VECTOR_FILES:
        path = VECTORS_DIR / name
        if not path.is_file():
            return None
        with open(path, encoding="utf-8") as f:
            for vector in json.load(f)["vectors"]:
                if vector.get("serialization") == "compact":
                    vectors.append(vector)
    return vectors


_VECTORS = _load_compact_vectors()
SKIP_REASON = (
    f"RFC vectors not found at {VECTORS_DIR} (expected ../shared/vectors beside the repo, "
    f"files {', '.join(VECTOR_FILES)}): skipped the RFC vector tests"
)


def vector_params(predicate) -> list:
    if _VECTORS is None:
        return [pytest.param(None, marks=pytest.mark.skip(reason=SKIP_REASON), id="vectors-absent")]
    return [pytest.param(v, id=v["name"]) for v in _VECTORS if predicate(v)]


def vector(name: str) -> dict:
    if _VECTORS is None:
        pytest.skip(SKIP_REASON)
    for v in _VECTORS:
        if v["name"] == name:
            return v
    pytest.fail(f"vector {name} is missing from {VECTORS_DIR}")


def key_files(cli, v: dict) -> list[tuple[str, str]]:
    """(label, path) of the key files to verify a vector with: its jwk, and jwk_public when given."""
    files = [("jwk", cli.write(v["jwk"]))]
    if v.get("jwk_public"):
        files.append(("jwk_public", cli.write(v["jwk_public"])))
    return files


def expected_bytes(v: dict) -> bytes:
    return b64url_decode(v["expected_payload_b64"])


# ---------------------------------------------------------------------------------------------
# RFC vectors

def test_vectors_present():
    if _VECTORS is None:
        pytest.skip(SKIP_REASON)
    names = {v["name"] for v in _VECTORS}
    # Every case the brief names is there (guards against a silently shrunken data set).
    for name in ("rfc7515-A.1-HS256", "rfc7515-A.2-RS256", "rfc7515-A.3-ES256", "rfc7515-A.4-ES512",
                 NONE_VECTOR, "rfc7520-4.1-RS256", "rfc7520-4.2-PS384", "rfc7520-4.3-ES512",
                 "rfc7520-4.4-HS256", DETACHED_VECTOR, "rfc8037-A.4-Ed25519-sign",
                 "rfc8037-A.5-Ed25519-verify", "rfc7797-4.1-b64-true", B64_FALSE_VECTOR):
        assert name in names, name


@pytest.mark.parametrize("v", vector_params(lambda v: v["expected_valid"] and v["name"] not in MUST_REJECT))
def test_valid_vector(cli, v):
    expected = expected_bytes(v)
    assert expected.decode("utf-8") == v["expected_payload"]
    for label, path in key_files(cli, v):
        r = cli.run("token", "verify", "--jws", "--key", path, "--alg", v["alg"], v["token"])
        assert r.returncode == 0, f"{label}\n{r.describe()}"
        assert r.stdout == expected, f"{label}: payload bytes differ\n{r.describe()}"
        assert r.stderr == "", r.describe()

        # Without --alg: the key's own alg (or, for a key without one, none at all -> usage).
        if "alg" in v[label]:
            r = cli.run("token", "verify", "--jws", "--key", path, v["token"])
            assert r.returncode == 0 and r.stdout == expected, f"{label}, no --alg\n{r.describe()}"

        # The same through stdin, with one trailing newline, and as a one-key JWKS.
        r = cli.run("token", "verify", "--jws", "--key", path, "--alg", v["alg"], "-",
                    stdin=v["token"].encode() + b"\n")
        assert r.returncode == 0 and r.stdout == expected, f"{label}, stdin\n{r.describe()}"
        jwks = cli.write({"keys": [v[label]]}, ".jwks")
        r = cli.run("token", "verify", "--jws", "--jwks", jwks, "--alg", v["alg"], v["token"])
        assert r.returncode == 0 and r.stdout == expected, f"{label}, JWKS\n{r.describe()}"


@pytest.mark.parametrize("v", vector_params(lambda v: v["expected_valid"] and v["name"] not in MUST_REJECT))
def test_valid_vector_tampered(cli, v):
    """One flipped signature bit, or one changed payload byte, and the same vector fails."""
    h, p, s = v["token"].split(".")
    sig = bytearray(b64url_decode(s))
    sig[len(sig) // 2] ^= 0x01
    flipped_sig = f"{h}.{p}.{b64url_encode(bytes(sig))}"
    payload = bytearray(b64url_decode(p))
    payload[0] ^= 0x01
    flipped_payload = f"{h}.{b64url_encode(bytes(payload))}.{s}"
    for label, path in key_files(cli, v):
        for token in (flipped_sig, flipped_payload):
            r = cli.run("token", "verify", "--jws", "--key", path, "--alg", v["alg"], token)
            assert r.returncode == 1, f"{label}\n{r.describe()}"
            assert r.error_code == "signature_invalid", f"{label}\n{r.describe()}"
            assert r.stdout == b""


@pytest.mark.parametrize("v", vector_params(lambda v: v["name"] not in MUST_REJECT))
def test_vector_rejected_as_access_token(cli, v):
    """Without --jws the claims policy applies: none of the RFC examples is a valid JWT today
    (expired, or not a claims set), as their jwt_access_token_outcome says."""
    assert v["jwt_access_token_outcome"].startswith("reject")
    for label, path in key_files(cli, v):
        r = cli.run("token", "verify", "--key", path, "--alg", v["alg"], v["token"])
        assert r.returncode == 1, f"{label}\n{r.describe()}"
        assert r.error_code, r.describe()
        assert r.stdout == b""


def test_none_vector_rejected(cli):
    v = vector(NONE_VECTOR)
    assert v["expected_valid"] is False
    hs_jwk = vector("rfc7515-A.1-HS256")["jwk"]
    hs_key = cli.write(hs_jwk)
    rs_key = cli.write(vector("rfc7515-A.2-RS256")["jwk_public"])
    # The RFC keys have no alg member, so --alg names it; keys that name their alg need no flag.
    cases = [
        (hs_key, ["--alg", "HS256"]),
        (rs_key, ["--alg", "RS256"]),
        (rs_key, ["--alg", "RS256,ES256,EdDSA"]),
        (cli.write({**hs_jwk, "alg": "HS256"}), []),
        (cli.write(cli.generate("EdDSA")), []),
    ]
    for key, extra in cases:
        for mode in (["--jws"], []):
            r = cli.run("token", "verify", *mode, "--key", key, *extra, v["token"])
            assert r.returncode == 1, r.describe()
            assert r.error_code == "alg_rejected", r.describe()
            assert r.stdout == b""
    # alg none can't even be asked for.
    r = cli.run("token", "verify", "--jws", "--key", hs_key, "--alg", "none", v["token"])
    assert r.returncode == 2, r.describe()


def test_b64_false_vector_rejected(cli):
    v = vector(B64_FALSE_VECTOR)
    path = cli.write(v["jwk"])
    for token in (v["token"],
                  # with the detached payload put back in, as RFC 7797 §4.2 would send it
                  v["token"].replace("..", "." + v["expected_payload"] + ".")):
        r = cli.run("token", "verify", "--jws", "--key", path, "--alg", v["alg"], token)
        assert r.returncode == 1, r.describe()
        if token == v["token"]:
            assert r.error_code == "header_unsupported", r.describe()
        else:
            # "$.02" is not base64url; either the header or the payload segment is refused.
            assert r.error_code in ("header_unsupported", "malformed"), r.describe()
        assert r.stdout == b""


def test_detached_payload_vector_rejected(cli):
    v = vector(DETACHED_VECTOR)
    assert v["token"].split(".")[1] == ""
    path = cli.write(v["jwk"])
    r = cli.run("token", "verify", "--jws", "--key", path, "--alg", v["alg"], v["token"])
    assert r.returncode == 1, r.describe()
    assert r.error_code, r.describe()
    assert r.stdout == b""
    # Sanity: the same header and signature with the payload attached is RFC 7520 §4.4 and valid.
    h, _, s = v["token"].split(".")
    attached = f"{h}.{v['detached_payload_b64']}.{s}"
    r = cli.run("token", "verify", "--jws", "--key", path, "--alg", v["alg"], attached)
    assert r.returncode == 0, r.describe()
    assert r.stdout == b64url_decode(v["detached_payload_b64"])
    assert r.stdout.decode("utf-8") == v["expected_payload"]


# ---------------------------------------------------------------------------------------------
# CLI contract

@pytest.fixture(scope="module")
def es256(cli):
    """An ES256 key pair and a token valid for 5 minutes from now."""
    private = cli.generate("ES256")
    private_path = cli.write(private)
    public_path = cli.write(cli.public(private_path))
    now = int(time.time())
    token = cli.ok("token", "sign", "--key", private_path, "--exp", "5m", "--iss", "me", "--aud", "you",
                   "--sub", "alice", "--now", str(now)).decode().strip()
    return {"private": private, "private_path": private_path, "public_path": public_path,
            "token": token, "now": now}


def payload_of(token: str) -> bytes:
    return b64url_decode(token.split(".")[1])


def test_verify_prints_payload_exactly(cli, es256):
    r = cli.run("token", "verify", "--key", es256["public_path"], es256["token"])
    assert r.returncode == 0, r.describe()
    assert r.stdout == payload_of(es256["token"])  # no trailing newline on a pipe
    claims = json.loads(r.stdout)
    assert claims["sub"] == "alice" and claims["iat"] == es256["now"] and claims["exp"] == es256["now"] + 300


@pytest.mark.parametrize("suffix", [b"", b"\n", b"\r\n"], ids=["bare", "newline", "crlf"])
def test_token_from_stdin(cli, es256, suffix):
    r = cli.run("token", "verify", "--key", es256["public_path"], "-", stdin=es256["token"].encode() + suffix)
    assert r.returncode == 0, r.describe()
    assert r.stdout == payload_of(es256["token"])


@pytest.mark.parametrize("stdin", [b"\n\n", b" ", b"\t"], ids=["two-newlines", "space", "tab"])
def test_token_from_stdin_no_other_trimming(cli, es256, stdin):
    """Only one trailing line break is stripped; other whitespace makes the token malformed."""
    r = cli.run("token", "verify", "--key", es256["public_path"], "-", stdin=es256["token"].encode() + stdin)
    assert r.returncode == 1, r.describe()
    assert r.error_code == "malformed", r.describe()


@pytest.mark.parametrize("args", [
    pytest.param([], id="no-key-option"),
    pytest.param(["--key", "{pub}", "--jwks", "{pub}"], id="key-and-jwks"),
    pytest.param(["--key", "{pub}", "--secret-file", "{pub}"], id="key-and-secret-file"),
    pytest.param(["--jwks", "{pub}", "--secret-file", "{pub}"], id="jwks-and-secret-file"),
    pytest.param(["--key", "{missing}"], id="missing-key-file"),
    pytest.param(["--key", "{dir}"], id="key-file-is-a-directory"),
    pytest.param(["--jwks", "{missing}"], id="missing-jwks-file"),
    pytest.param(["--jwks", "{dir}"], id="jwks-file-is-a-directory"),
    pytest.param(["--secret-file", "{missing}"], id="missing-secret-file"),
    pytest.param(["--secret-file", "{dir}"], id="secret-file-is-a-directory"),
    pytest.param(["--key", "{garbage}"], id="key-file-not-a-key"),
    pytest.param(["--key", "{pub}", "--alg", "none"], id="alg-none"),
    pytest.param(["--key", "{pub}", "--alg", "NONE"], id="alg-NONE"),
    pytest.param(["--key", "{pub}", "--alg", "ES256,none"], id="alg-list-with-none"),
    pytest.param(["--key", "{pub}", "--alg", "XS256"], id="alg-unknown"),
    pytest.param(["--key", "{pub}", "--leeway", "301"], id="leeway-over-300s"),
])
def test_usage_and_key_errors_exit_2(cli, es256, tmp_path, args):
    garbage = tmp_path / "garbage.jwk"
    garbage.write_text("this is not a key\n")
    subst = {"{pub}": es256["public_path"], "{missing}": str(tmp_path / "does-not-exist.jwk"),
             "{dir}": str(tmp_path), "{garbage}": str(garbage)}
    argv = [subst.get(a, a) for a in args]
    r = cli.run("token", "verify", *argv, es256["token"])
    assert r.returncode == 2, r.describe()
    assert r.stdout == b"", r.describe()
    assert r.stderr.strip(), r.describe()


def test_decode_is_marked_unverified(cli, es256):
    for args, stdin in (([es256["token"]], None), (["-"], es256["token"].encode() + b"\n")):
        r = cli.run("token", "decode", *args, stdin=stdin)
        assert r.returncode == 0, r.describe()
        assert b"UNVERIFIED" in r.stdout
        out = json.loads(r.stdout)
        assert out["status"] == "UNVERIFIED"
        assert out["header"] == {"alg": "ES256", "kid": es256["private"]["kid"], "typ": "JWT"}
        assert out["payload"] == json.loads(payload_of(es256["token"]))
    # decode never needs the signature to be right.
    h, p, s = es256["token"].split(".")
    sig = bytearray(b64url_decode(s))
    sig[0] ^= 0x80
    r = cli.run("token", "decode", f"{h}.{p}.{b64url_encode(bytes(sig))}")
    assert r.returncode == 0 and b"UNVERIFIED" in r.stdout, r.describe()


@pytest.mark.parametrize("which", ["missing", "directory", "garbage"])
def test_unreadable_key_file_for_keys_public_and_sign_exits_2(cli, tmp_path, which):
    path = {"missing": tmp_path / "nope.jwk", "directory": tmp_path, "garbage": tmp_path / "g.jwk"}[which]
    if which == "garbage":
        path.write_text("not a key")
    for args in (["keys", "public", str(path)], ["token", "sign", "--key", str(path), "--exp", "5m"]):
        r = cli.run(*args)
        assert r.returncode == 2, r.describe()
        assert r.stdout == b"", r.describe()


@pytest.mark.parametrize("alg", ["HS256", "HS384", "HS512"])
def test_keys_public_of_hmac_key_exits_2(cli, alg):
    path = cli.write(cli.generate(alg))
    for extra in ([], ["--pem"]):
        r = cli.run("keys", "public", path, *extra)
        assert r.returncode == 2, r.describe()
        assert r.stdout == b""


def test_keys_generate_kid_and_bits(cli):
    jwk = cli.generate("ES256", "--kid", "my-key")
    assert jwk["kid"] == "my-key"
    rsa = cli.generate("RS256", "--bits", "3072")
    assert len(b64url_decode(rsa["n"])) == 384
    r = cli.run("keys", "generate", "--alg", "RS256", "--bits", "1024")
    assert r.returncode == 2, r.describe()
    r = cli.run("keys", "generate", "--alg", "none")
    assert r.returncode == 2, r.describe()


def test_exp_required_unless_jws(cli, es256):
    token = cli.ok("token", "sign", "--key", es256["private_path"]).decode().strip()
    r = cli.run("token", "verify", "--key", es256["public_path"], token)
    assert r.returncode == 1, r.describe()
    assert r.error_code == "claim_missing", r.describe()
    r = cli.run("token", "verify", "--jws", "--key", es256["public_path"], token)
    assert r.returncode == 0, r.describe()
    assert r.stdout == payload_of(token)


def test_sign_typ_and_claims_from_stdin(cli, es256):
    claims = {"scope": "read write", "n": [1, 2, 3]}
    token = cli.ok("token", "sign", "--key", es256["private_path"], "--claims", "-", "--typ", "at+jwt",
                   "--exp", "1m", stdin=json.dumps(claims).encode()).decode().strip()
    header = json.loads(b64url_decode(token.split(".")[0]))
    assert header["typ"] == "at+jwt"
    r = cli.run("token", "verify", "--key", es256["public_path"], "--typ", "at+jwt", token)
    assert r.returncode == 0, r.describe()
    assert {k: json.loads(r.stdout)[k] for k in claims} == claims
    r = cli.run("token", "verify", "--key", es256["public_path"], "--typ", "rt+jwt", token)
    assert r.returncode == 1 and r.error_code == "type_invalid", r.describe()


def _sign_raw_hs256(secret: bytes, header: dict, payload: bytes) -> str:
    import hashlib
    import hmac
    signing_input = f"{b64url_encode(json.dumps(header).encode())}.{b64url_encode(payload)}"
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url_encode(mac)}"


@pytest.mark.parametrize("payload,code", [
    pytest.param(b'{"iat":%(now)d.25,"exp":%(exp)d.5}', None, id="fractional-dates"),
    pytest.param(b'{"iat":%(now)d,"exp":%(exp)d.0}', None, id="exp-with-fraction-zero"),
    pytest.param(b'{"iat":%(now)d,"exp":%(exp)de0}', None, id="exp-exponent"),
    pytest.param(b'{"iat":%(now)d,"exp":"%(exp)d"}', "claim_invalid", id="exp-string"),
    pytest.param(b'{"iat":%(now)d,"exp":true}', "claim_invalid", id="exp-bool"),
    pytest.param(b'{"iat":%(now)d,"exp":null}', "claim_invalid", id="exp-null"),
    pytest.param(b'{"iat":%(now)d,"exp":1e300}', "claim_invalid", id="exp-out-of-range"),
    pytest.param(b'{"iat":%(now)d,"exp":9223372036854775808}', "claim_invalid", id="exp-past-int64"),
    pytest.param(b'{"iat":"%(now)d","exp":%(exp)d}', "claim_invalid", id="iat-string"),
    pytest.param(b'{"iat":%(now)d,"exp":%(exp)d,"nbf":%(later)d}', "not_yet_valid", id="nbf-future"),
    pytest.param(b'{"iat":%(now)d,"exp":%(exp)d,"aud":["x","you"]}', None, id="aud-array"),
    pytest.param(b'{"iat":%(now)d,"exp":%(exp)d,"exp":%(exp)d}', "malformed", id="duplicate-claim"),
    pytest.param(b'[1,2]', "malformed", id="payload-array"),
    pytest.param(b'"just a string"', "malformed", id="payload-string"),
])
def test_numeric_dates_and_payload_shape(cli, tmp_path, payload, code):
    """Hand-made HS256 tokens: what the claims policy does with odd claim values.
    Where the code is "malformed" any exit-1 code is accepted (the exact one is the core's choice)."""
    secret = os.urandom(32)
    key = cli.write({"kty": "oct", "k": b64url_encode(secret), "alg": "HS256"})
    now = int(time.time())
    body = payload % {b"now": now, b"exp": now + 300, b"later": now + 3600}
    token = _sign_raw_hs256(secret, {"alg": "HS256", "typ": "JWT"}, body)
    r = cli.run("token", "verify", "--key", key, token)
    if code is None:
        assert r.returncode == 0, r.describe()
        assert r.stdout == body
    else:
        assert r.returncode == 1, r.describe()
        if code != "malformed":
            assert r.error_code == code, r.describe()
        assert r.stdout == b""
    # --jws does not look at the claims: always the payload as it is.
    r = cli.run("token", "verify", "--jws", "--key", key, token)
    assert r.returncode == 0, r.describe()
    assert r.stdout == body


def _policy_cases():
    # (id, extra verify args, --now offset from the token's iat, expected error code or None)
    return [
        ("valid", [], 0, None),
        ("within-leeway-after-exp", [], 300 + 30, None),
        ("expired", [], 300 + 61, "expired"),
        ("expired-zero-leeway", ["--leeway", "0"], 301, "expired"),
        ("issued-in-future", [], -120, "issued_in_future"),
        ("iss-match", ["--iss", "me"], 0, None),
        ("iss-mismatch", ["--iss", "someone-else"], 0, "issuer_invalid"),
        ("aud-match", ["--aud", "other", "--aud", "you"], 0, None),
        ("aud-mismatch", ["--aud", "other"], 0, "audience_invalid"),
        ("typ-mismatch", ["--typ", "at+jwt"], 0, "type_invalid"),
        ("require-present", ["--require", "sub,iss"], 0, None),
        ("require-missing", ["--require", "sub,jti"], 0, "claim_missing"),
        ("max-age-ok", ["--max-age", "600"], 10, None),
        ("max-age-too-old", ["--max-age", "60"], 120, "too_old"),
        ("max-bytes", ["--max-bytes", "50"], 0, "too_large"),
    ]


@pytest.mark.parametrize("extra,offset,code", [pytest.param(e, o, c, id=i) for i, e, o, c in _policy_cases()])
def test_claims_policy_codes(cli, es256, extra, offset, code):
    r = cli.run("token", "verify", "--key", es256["public_path"], "--now", str(es256["now"] + offset),
                *extra, es256["token"])
    if code is None:
        assert r.returncode == 0, r.describe()
        assert r.stdout == payload_of(es256["token"])
    else:
        assert r.returncode == 1, r.describe()
        assert r.error_code == code, r.describe()
        assert r.stdout == b""
        assert r.stderr.startswith(f"error: {code}: "), r.describe()
        # Messages never contain token bytes.
        for segment in es256["token"].split("."):
            assert segment not in r.stderr, r.describe()


def test_serve_failures_while_running_exit_1_and_bad_flags_exit_2(cli, tmp_path):
    """`serve` with a port already taken fails while running (exit 1, not a usage message);
    an unknown flag or an invalid value is a usage error (exit 2)."""
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        r = cli.run("serve", "--data-dir", str(tmp_path / "data"), "--port", str(port), timeout=60)
    assert r.returncode == 1, r.describe()
    assert r.error_code == "failed" and "Usage:" not in r.stderr, r.describe()
    for args in (["--bogus"], ["--trusted-proxies", "10.0.0.0/99"], ["--registration", "maybe"]):
        r = cli.run("serve", "--data-dir", str(tmp_path / "data"), "--port", "0", *args)
        assert r.returncode == 2, r.describe()
        assert r.error_code == "usage", r.describe()
