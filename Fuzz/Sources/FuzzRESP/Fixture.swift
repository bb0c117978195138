@testable import JWTAuthRESP

/// Built on first use (libFuzzer's main runs no top-level code of ours).
let parser = RESPParser()
