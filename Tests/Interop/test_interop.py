"""Interoperability of the jwtauth CLI with PyJWT and joserfc, for all 13 algorithms.

For every algorithm:
  a. keys and tokens made by jwtauth verify under PyJWT and joserfc, with the same claims;
  b. tokens signed by PyJWT and by joserfc with the same key material verify under
     `jwtauth token verify`, which prints the signed payload bytes exactly;
  c. a token with one flipped signature bit is rejected with signature_invalid, and a token
     checked against another key of the same algorithm is rejected.

Run with JWTAUTH_BIN pointing at the binary (see run.sh).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives import serialization
from joserfc import jwt as jose_jwt
from joserfc.jwk import ECKey, JWKRegistry, OctKey, OKPKey, RSAKey

from conftest import ALGORITHMS, HMAC, b64url_decode, b64url_encode

# joserfc flags "EdDSA" as deprecated by RFC 9864 (in favour of "Ed25519"); the project
# implements "EdDSA" (RFC 8037), so that warning is expected here. Other warnings stay visible.
pytestmark = [
    pytest.mark.filterwarnings("ignore:EdDSA is deprecated"),
    # test_key_bound_to_one_alg signs HS384/HS512 with a shorter HS256/HS384 secret on purpose.
    pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning"),
]

ISSUER = "https://issuer.interop.test"
AUDIENCE = "interop-api"
CUSTOM_CLAIMS = {
    "name": "Zoë Ünïcødé ✓ 😀",
    "quote": "she said \"hi\"\\ </script>\n\ttab",
    "nested": {"list": [1, 2, {"deep": None}], "flag": True},
    "big": 9007199254740991,
    "negative": -42,
    "fraction": 0.25,
    "empty": {},
    "roles": ["admin", "user"],
}

# An algorithm of the same key type, to sign with the same key material and check that a key
# bound to one algorithm refuses another (RFC 8725 §3.1). ES curves and Ed25519 fix the alg.
SIBLING = {
    "HS256": "HS384", "HS384": "HS512", "HS512": "HS256",
    "RS256": "PS256", "RS384": "PS384", "RS512": "PS512",
    "PS256": "RS256", "PS384": "RS384", "PS512": "RS512",
}


class AlgKeys:
    """Two independent keys for one algorithm, made by `jwtauth keys generate`."""

    def __init__(self, cli, alg: str):
        self.alg = alg
        self.private = cli.generate(alg)
        self.private_path = cli.write(self.private)
        if alg in HMAC:
            self.public = None
            self.public_path = None
        else:
            self.public = cli.public(self.private_path)
            self.public_path = cli.write(self.public)
        self.other_private = cli.generate(alg)
        self.other_path = cli.write(self.other_private)
        if alg not in HMAC:
            self.other_path = cli.write(cli.public(self.other_path))

    @property
    def kid(self) -> str:
        return self.private["kid"]

    @property
    def verify_paths(self) -> list[str]:
        """Key files `token verify` is given: the public JWK (when there is one) and the private."""
        return [p for p in (self.public_path, self.private_path) if p]

    # PyJWT
    def pyjwt_signing_key(self):
        return pyjwt.PyJWK(self.private).key

    def pyjwt_verifying_key(self):
        return pyjwt.PyJWK(self.public if self.public else self.private)

    # joserfc
    def jose_private(self):
        return JWKRegistry.import_key(self.private)

    def jose_public(self):
        return JWKRegistry.import_key(self.public if self.public else self.private)


_KEYS: dict[str, AlgKeys] = {}


def keys_for(cli, alg: str) -> AlgKeys:
    if alg not in _KEYS:
        _KEYS[alg] = AlgKeys(cli, alg)
    return _KEYS[alg]


@pytest.fixture
def keys(cli, request) -> AlgKeys:
    return keys_for(cli, request.node.callspec.params["alg"])


def split(token: str) -> tuple[dict, bytes, bytes]:
    parts = token.split(".")
    assert len(parts) == 3, token
    return json.loads(b64url_decode(parts[0])), b64url_decode(parts[1]), b64url_decode(parts[2])


def standard_claims(now: int) -> dict:
    return {"iss": ISSUER, "aud": AUDIENCE, "sub": "user-123", "iat": now, "exp": now + 300, **CUSTOM_CLAIMS}


def verify_ok(cli, token: str, key_path: str, *extra: str) -> bytes:
    r = cli.run("token", "verify", "--key", key_path, "--iss", ISSUER, "--aud", AUDIENCE, *extra, token)
    assert r.returncode == 0, r.describe()
    assert r.stderr == "", r.describe()
    return r.stdout


def sign_ours(cli, keys: AlgKeys, now: int) -> str:
    out = cli.ok(
        "token", "sign", "--key", keys.private_path,
        "--claims", json.dumps(CUSTOM_CLAIMS, ensure_ascii=False),
        "--exp", "5m", "--iss", ISSUER, "--aud", AUDIENCE, "--sub", "user-123",
        "--now", str(now),
    )
    token = out.decode("ascii").strip()
    assert out == token.encode() + b"\n", f"token sign should print one line: {out!r}"
    return token


def flip_bit(token: str, byte_index: int, bit: int = 0) -> str:
    h, p, s = token.split(".")
    sig = bytearray(b64url_decode(s))
    sig[byte_index] ^= 1 << bit
    return f"{h}.{p}.{b64url_encode(bytes(sig))}"


# ---------------------------------------------------------------------------------------------
# a. our keys and tokens, checked by PyJWT and joserfc

@pytest.mark.parametrize("alg", ALGORITHMS)
def test_generated_key_shape(cli, keys, alg):
    """keys generate: a private JWK bound to alg, kid = RFC 7638 thumbprint; PyJWT and joserfc agree."""
    jwk = keys.private
    assert jwk["alg"] == alg
    expected_kty = {"HS": "oct", "RS": "RSA", "PS": "RSA", "ES": "EC", "Ed": "OKP"}[alg[:2]]
    assert jwk["kty"] == expected_kty
    if alg.startswith("ES"):
        assert jwk["crv"] == {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521"}[alg]
    if alg == "EdDSA":
        assert jwk["crv"] == "Ed25519"
    if alg in HMAC:
        assert len(b64url_decode(jwk["k"])) >= int(alg[2:]) // 8
    if alg[:2] in ("RS", "PS"):
        assert len(b64url_decode(jwk["n"])) * 8 >= 2048
    # The default kid is the RFC 7638 thumbprint: joserfc computes the same one.
    assert jwk["kid"] == keys.jose_private().thumbprint()
    # keys public: same kid, no private members.
    if keys.public is not None:
        assert keys.public["kid"] == jwk["kid"]
        assert not {"d", "p", "q", "dp", "dq", "qi", "k"} & set(keys.public)
        assert keys.jose_public().thumbprint() == jwk["kid"]


@pytest.mark.parametrize("alg", ALGORITHMS)
def test_our_token_verified_by_pyjwt(cli, keys, alg):
    now = int(time.time())
    token = sign_ours(cli, keys, now)
    header, _, _ = split(token)
    assert header == {"alg": alg, "kid": keys.kid, "typ": "JWT"}

    claims = pyjwt.decode(
        token, keys.pyjwt_verifying_key(), algorithms=[alg],
        audience=AUDIENCE, issuer=ISSUER, options={"require": ["exp", "iat", "iss", "aud", "sub"]},
    )
    assert claims == standard_claims(now)
    assert pyjwt.get_unverified_header(token) == {"alg": alg, "kid": keys.kid, "typ": "JWT"}

    # Our own verifier prints the same payload.
    out = verify_ok(cli, token, keys.verify_paths[0])
    assert json.loads(out) == claims


@pytest.mark.parametrize("alg", ALGORITHMS)
def test_our_token_verified_by_joserfc(cli, keys, alg):
    now = int(time.time())
    token = sign_ours(cli, keys, now)
    for key in (keys.jose_public(), keys.jose_private()):
        decoded = jose_jwt.decode(token, key, algorithms=[alg])
        assert decoded.header == {"alg": alg, "kid": keys.kid, "typ": "JWT"}
        assert decoded.claims == standard_claims(now)
        jose_jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": ISSUER},
            aud={"essential": True, "value": AUDIENCE},
            exp={"essential": True},
            iat={"essential": True},
        ).validate(decoded.claims)


@pytest.mark.parametrize("alg", [a for a in ALGORITHMS if a not in HMAC])
def test_our_public_pem_works_elsewhere(cli, keys, alg):
    """`keys public --pem` is a SubjectPublicKeyInfo that cryptography/PyJWT load and that
    verifies our token; `token verify --key PEM --alg ALG` accepts it too."""
    now = int(time.time())
    token = sign_ours(cli, keys, now)
    pem = cli.ok("keys", "public", keys.private_path, "--pem")
    assert pem.startswith(b"-----BEGIN PUBLIC KEY-----")
    public_key = serialization.load_pem_public_key(pem)
    assert pyjwt.decode(token, public_key, algorithms=[alg], audience=AUDIENCE) == standard_claims(now)
    # A PEM key carries no kid, and kid lookup is strict (an unknown kid is an
    # error, never a fallback), so the PEM verifies a token without kid.
    pem_path = cli.write(pem, ".pem")
    no_kid = pyjwt.encode(standard_claims(now), keys.pyjwt_signing_key(), algorithm=alg)
    assert verify_ok(cli, no_kid, pem_path, "--alg", alg) == split(no_kid)[1]


# ---------------------------------------------------------------------------------------------
# b. their tokens, checked by us

@pytest.mark.parametrize("alg", ALGORITHMS)
@pytest.mark.parametrize("with_kid", [True, False], ids=["kid", "no-kid"])
def test_pyjwt_token_verified_by_us(cli, keys, alg, with_kid):
    now = int(time.time())
    claims = standard_claims(now)
    headers = {"kid": keys.kid} if with_kid else None
    token = pyjwt.encode(claims, keys.pyjwt_signing_key(), algorithm=alg, headers=headers)
    _, signed_payload, _ = split(token)
    for path in keys.verify_paths:
        out = verify_ok(cli, token, path)
        assert out == signed_payload
        assert json.loads(out) == claims
    # With an explicit allow-list naming the key's algorithm.
    assert verify_ok(cli, token, keys.verify_paths[0], "--alg", alg) == signed_payload


@pytest.mark.parametrize("alg", ALGORITHMS)
@pytest.mark.parametrize("with_kid", [True, False], ids=["kid", "no-kid"])
def test_joserfc_token_verified_by_us(cli, keys, alg, with_kid):
    now = int(time.time())
    claims = standard_claims(now)
    header = {"alg": alg, "typ": "JWT"}
    if with_kid:
        header["kid"] = keys.kid
    token = jose_jwt.encode(header, claims, keys.jose_private(), algorithms=[alg])
    _, signed_payload, _ = split(token)
    for path in keys.verify_paths:
        out = verify_ok(cli, token, path)
        assert out == signed_payload
        assert json.loads(out) == claims


@pytest.mark.parametrize("alg", [a for a in ALGORITHMS if a not in HMAC])
def test_key_without_alg_takes_it_from_flag(cli, keys, alg):
    """A JWK with no alg member (as other libraries publish them) verifies with --alg."""
    now = int(time.time())
    token = pyjwt.encode(standard_claims(now), keys.pyjwt_signing_key(), algorithm=alg)
    bare = {k: v for k, v in keys.public.items() if k not in ("alg", "kid", "use")}
    path = cli.write(bare)
    out = verify_ok(cli, token, path, "--alg", alg)
    assert out == split(token)[1]


@pytest.mark.parametrize("alg", sorted(HMAC))
def test_hmac_secret_file(cli, keys, alg):
    """--secret-file holds the raw secret (the JWK's k, decoded)."""
    now = int(time.time())
    secret = b64url_decode(keys.private["k"])
    token = pyjwt.encode(standard_claims(now), secret, algorithm=alg)
    path = cli.write(secret, ".bin")
    r = cli.run("token", "verify", "--secret-file", path, "--alg", alg, "--aud", AUDIENCE, token)
    assert r.returncode == 0, r.describe()
    assert r.stdout == split(token)[1]
    # A different secret is a signature failure.
    wrong = cli.write(b64url_decode(keys.other_private["k"]), ".bin")
    r = cli.run("token", "verify", "--secret-file", wrong, "--alg", alg, token)
    assert r.returncode == 1, r.describe()
    assert r.error_code == "signature_invalid", r.describe()


# ---------------------------------------------------------------------------------------------
# c. tampering and wrong keys

def _tokens_from_everyone(cli, keys: AlgKeys, now: int) -> dict[str, str]:
    claims = standard_claims(now)
    return {
        "jwtauth": sign_ours(cli, keys, now),
        "pyjwt": pyjwt.encode(claims, keys.pyjwt_signing_key(), algorithm=keys.alg, headers={"kid": keys.kid}),
        "joserfc": jose_jwt.encode({"alg": keys.alg, "kid": keys.kid}, claims, keys.jose_private(), algorithms=[keys.alg]),
    }


@pytest.mark.parametrize("alg", ALGORITHMS)
def test_flipped_signature_bit_rejected(cli, keys, alg):
    now = int(time.time())
    for origin, token in _tokens_from_everyone(cli, keys, now).items():
        # The untouched token is fine ...
        verify_ok(cli, token, keys.verify_paths[0])
        sig_len = len(split(token)[2])
        # ... one flipped bit anywhere in the signature is not: first, middle and last byte,
        # low and high bit (for ECDSA the first byte is r's most significant, the middle one
        # is s's most significant).
        for index in sorted({0, sig_len // 2, sig_len - 1}):
            for bit in (0, 7):
                bad = flip_bit(token, index, bit)
                for path in keys.verify_paths:
                    r = cli.run("token", "verify", "--key", path, bad)
                    context = f"{origin} token, signature byte {index} bit {bit}\n{r.describe()}"
                    assert r.returncode == 1, context
                    assert r.error_code == "signature_invalid", context
                    assert r.stdout == b"", context


@pytest.mark.parametrize("alg", ALGORITHMS)
def test_wrong_key_rejected(cli, keys, alg):
    now = int(time.time())
    claims = standard_claims(now)
    signing_key = keys.pyjwt_signing_key()

    # No kid: the only key of that alg is tried, and the signature does not match.
    token = pyjwt.encode(claims, signing_key, algorithm=alg)
    r = cli.run("token", "verify", "--key", keys.other_path, token)
    assert r.returncode == 1, r.describe()
    assert r.error_code == "signature_invalid", r.describe()
    assert r.stdout == b""

    # Our kid against the other key (another kid): rejected, never a fallback.
    token = pyjwt.encode(claims, signing_key, algorithm=alg, headers={"kid": keys.kid})
    r = cli.run("token", "verify", "--key", keys.other_path, token)
    assert r.returncode == 1, r.describe()
    assert r.error_code in ("key_unknown", "signature_invalid"), r.describe()
    assert r.stdout == b""

    # The other key relabelled with our kid: the kid matches, the signature does not.
    with open(keys.other_path) as f:
        other = json.load(f)
    other["kid"] = keys.kid
    relabelled = cli.write(other)
    r = cli.run("token", "verify", "--key", relabelled, token)
    assert r.returncode == 1, r.describe()
    assert r.error_code == "signature_invalid", r.describe()


@pytest.mark.parametrize("alg", sorted(SIBLING))
def test_key_bound_to_one_alg(cli, keys, alg):
    """A token signed with the same key material under another algorithm of its family
    (HS256 vs HS384, RS256 vs PS256, ...) is refused by a key bound to `alg`."""
    sibling = SIBLING[alg]
    now = int(time.time())
    token = pyjwt.encode(standard_claims(now), keys.pyjwt_signing_key(), algorithm=sibling,
                         headers={"kid": keys.kid})
    for path in keys.verify_paths:
        r = cli.run("token", "verify", "--key", path, token)
        assert r.returncode == 1, r.describe()
        assert r.error_code == "alg_rejected", r.describe()


@pytest.mark.parametrize("alg", ["RS256", "ES256", "EdDSA"])
def test_hmac_with_public_key_confusion_rejected(cli, keys, alg):
    """The classic confusion: HS256 keyed with the public key's JWK/PEM text is rejected."""
    now = int(time.time())
    header = b64url_encode(json.dumps({"alg": "HS256", "typ": "JWT", "kid": keys.kid}).encode())
    payload = b64url_encode(json.dumps(standard_claims(now)).encode())
    pem = cli.ok("keys", "public", keys.private_path, "--pem")
    with open(keys.public_path, "rb") as f:
        jwk_bytes = f.read()
    for secret in (pem, jwk_bytes, pem.strip(), jwk_bytes.strip()):
        mac = hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
        token = f"{header}.{payload}.{b64url_encode(mac)}"
        for extra in ([], ["--alg", alg]):
            r = cli.run("token", "verify", "--key", keys.public_path, *extra, token)
            assert r.returncode == 1, r.describe()
            assert r.error_code == "alg_rejected", r.describe()
            assert r.stdout == b""


@pytest.mark.parametrize("alg", ALGORITHMS)
def test_hostile_headers(cli, keys, alg):
    """Keys named in the header (embedded jwk, jku, x5u) never pick the key, and an unknown
    crit extension is refused — for tokens signed by PyJWT."""
    now = int(time.time())
    claims = standard_claims(now)
    attacker = cli.generate(alg)
    attacker_key = pyjwt.PyJWK(attacker).key
    attacker_public = {k: v for k, v in attacker.items() if k not in ("d", "p", "q", "dp", "dq", "qi")}

    # Attacker-signed, carrying the attacker's own key/URLs, under the attacker's kid or ours.
    for kid, expected in ((attacker["kid"], "key_unknown"), (keys.kid, "signature_invalid")):
        for extra in ({"jwk": attacker_public}, {"jku": "http://127.0.0.1:9/jwks.json"},
                      {"x5u": "http://127.0.0.1:9/cert.pem"}):
            token = pyjwt.encode(claims, attacker_key, algorithm=alg, headers={"kid": kid, **extra})
            for path in keys.verify_paths:
                r = cli.run("token", "verify", "--key", path, token)
                context = f"kid={kid} header+={list(extra)}\n{r.describe()}"
                assert r.returncode == 1, context
                assert r.error_code == expected, context
                assert r.stdout == b"", context

    # Properly signed by the right key, but with a critical extension nobody understands.
    token = pyjwt.encode(claims, keys.pyjwt_signing_key(), algorithm=alg,
                         headers={"kid": keys.kid, "crit": ["urn:example:unknown"], "urn:example:unknown": 1})
    r = cli.run("token", "verify", "--key", keys.verify_paths[0], token)
    assert r.returncode == 1, r.describe()
    assert r.error_code == "header_unsupported", r.describe()


# ---------------------------------------------------------------------------------------------
# their keys: JWKs and PEMs made by joserfc / cryptography, tokens signed by joserfc

def _foreign_key(alg: str):
    """A joserfc-generated key for alg, as other systems publish them (kid, no alg member)."""
    family = alg[:2]
    if family == "HS":
        return OctKey.generate_key(int(alg[2:]), auto_kid=True)
    if family in ("RS", "PS"):
        return RSAKey.generate_key(2048, auto_kid=True)
    if family == "ES":
        return ECKey.generate_key({"ES256": "P-256", "ES384": "P-384", "ES512": "P-521"}[alg], auto_kid=True)
    return OKPKey.generate_key("Ed25519", auto_kid=True)


@pytest.mark.parametrize("alg", ALGORITHMS)
def test_foreign_keys_and_tokens(cli, alg):
    now = int(time.time())
    claims = standard_claims(now)
    key = _foreign_key(alg)
    kid = key.kid
    token = jose_jwt.encode({"alg": alg, "kid": kid}, claims, key, algorithms=[alg])
    token_no_kid = jose_jwt.encode({"alg": alg}, claims, key, algorithms=[alg])
    payload = split(token)[1]

    public = key.as_dict(private=alg in HMAC)
    assert "alg" not in public
    # Their JWK without alg: --alg binds it.
    path = cli.write(public)
    assert verify_ok(cli, token, path, "--alg", alg) == payload
    assert verify_ok(cli, token_no_kid, path, "--alg", alg) == split(token_no_kid)[1]
    # Without --alg and without an alg member: an RSA or oct key can't be bound to an
    # algorithm (usage/key error); an EC or OKP key's curve names exactly one, which the CLI
    # may use (it does today) or refuse — never anything else.
    r = cli.run("token", "verify", "--key", path, "--aud", AUDIENCE, token)
    if alg[:2] in ("HS", "RS", "PS"):
        assert r.returncode == 2, r.describe()
    else:
        assert (r.returncode, r.stdout) in ((0, payload), (2, b"")), r.describe()
    # Their JWK with alg: no flag needed.
    assert verify_ok(cli, token, cli.write({**public, "alg": alg})) == payload
    # As a JWKS.
    jwks = cli.write({"keys": [public]}, ".jwks")
    r = cli.run("token", "verify", "--jwks", jwks, "--alg", alg, "--aud", AUDIENCE, token)
    assert r.returncode == 0 and r.stdout == payload, r.describe()

    if alg in HMAC:
        secret = cli.write(b64url_decode(public["k"]), ".bin")
        r = cli.run("token", "verify", "--secret-file", secret, "--alg", alg, token_no_kid)
        assert r.returncode == 0 and r.stdout == split(token_no_kid)[1], r.describe()
        return

    # PEM: SubjectPublicKeyInfo, PKCS#8 private, and PKCS#1 for RSA. A PEM key has no kid,
    # so the token without kid is the one it verifies.
    crypto_private = pyjwt.PyJWK({**key.as_dict(private=True), "alg": alg}).key
    pems = {
        "spki": crypto_private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo),
        "pkcs8": crypto_private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
    }
    if alg[:2] in ("RS", "PS"):
        pems["pkcs1-public"] = crypto_private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.PKCS1)
        pems["pkcs1-private"] = crypto_private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption())
    for label, pem in pems.items():
        pem_path = cli.write(pem, ".pem")
        r = cli.run("token", "verify", "--key", pem_path, "--alg", alg, "--aud", AUDIENCE, token_no_kid)
        assert r.returncode == 0, f"{label}\n{r.describe()}"
        assert r.stdout == split(token_no_kid)[1], label

    # Our signer with their private key (PKCS#8 PEM): joserfc and PyJWT verify the result.
    pkcs8 = cli.write(pems["pkcs8"], ".pem")
    ours = cli.ok("token", "sign", "--key", pkcs8, "--alg", alg, "--exp", "5m", "--aud", AUDIENCE,
                  "--now", str(now)).decode().strip()
    decoded = jose_jwt.decode(ours, key, algorithms=[alg])
    assert decoded.header["alg"] == alg
    assert decoded.claims == {"aud": AUDIENCE, "iat": now, "exp": now + 300}
    assert pyjwt.decode(ours, crypto_private.public_key(), algorithms=[alg], audience=AUDIENCE) == decoded.claims


def test_jwks_with_every_asymmetric_algorithm(cli):
    """One JWKS holding a public key of every asymmetric algorithm (ours) and a foreign one
    per algorithm: each token is verified by the key its kid names."""
    now = int(time.time())
    claims = standard_claims(now)
    entries, tokens = [], []
    for alg in ALGORITHMS:
        if alg in HMAC:
            continue
        ours = keys_for(cli, alg)
        entries.append(ours.public)
        tokens.append((alg, "ours", pyjwt.encode(claims, ours.pyjwt_signing_key(), algorithm=alg,
                                                 headers={"kid": ours.kid})))
        foreign = _foreign_key(alg)
        entries.append({**foreign.as_dict(private=False), "alg": alg})
        tokens.append((alg, "joserfc", jose_jwt.encode({"alg": alg, "kid": foreign.kid}, claims, foreign,
                                                        algorithms=[alg])))
    jwks = cli.write({"keys": entries}, ".jwks")
    for alg, origin, token in tokens:
        r = cli.run("token", "verify", "--jwks", jwks, "--aud", AUDIENCE, token)
        assert r.returncode == 0, f"{alg} {origin}\n{r.describe()}"
        assert r.stdout == split(token)[1]
    # Without kid, two keys have each alg: ambiguous, never a guess.
    token = pyjwt.encode(claims, keys_for(cli, "ES256").pyjwt_signing_key(), algorithm="ES256")
    r = cli.run("token", "verify", "--jwks", jwks, token)
    assert r.returncode == 1, r.describe()
    assert r.error_code == "key_unknown", r.describe()
