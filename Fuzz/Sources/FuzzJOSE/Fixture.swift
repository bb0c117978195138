import JWTAuth

/// Built on first use (libFuzzer's main runs no top-level code of ours).
let verifier = FuzzSupport.acceptAllVerifier()
