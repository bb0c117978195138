/// The one error type of JWTAuth.
///
/// Every failure carries a stable ``Code`` (snake_case strings, listed in the README, printed by the CLI and
/// mapped to HTTP errors by the server) and a human-readable message. Messages never contain
/// token bytes or key material, so an error can be logged as it is.
///
/// `Code` is a struct over a private enum rather than a public enum, so new codes can be added
/// without breaking anyone's exhaustive `switch`.
public struct JWTAuthError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The stable, machine-readable class of the failure.
    public var code: Code
    /// What went wrong, for people. Never contains token bytes or key material.
    public var message: String

    /// For `rate_limited`: how long until another attempt can succeed.
    public var retryAfter: Duration?

    /// Creates an error with a code and a message.
    public init(_ code: Code, _ message: String, retryAfter: Duration? = nil) {
        self.code = code
        self.message = message
        self.retryAfter = retryAfter
    }

    public var description: String { "\(self.code): \(self.message)" }
}

extension JWTAuthError {
    /// A stable error code. Its ``description`` is its snake_case string, e.g. `signature_invalid`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Sendable, CaseIterable {
            case malformed
            case tooLarge = "too_large"
            case algorithmRejected = "alg_rejected"
            case keyUnknown = "key_unknown"
            case signatureInvalid = "signature_invalid"
            case headerUnsupported = "header_unsupported"
            case expired
            case notYetValid = "not_yet_valid"
            case issuedInFuture = "issued_in_future"
            case tooOld = "too_old"
            case issuerInvalid = "issuer_invalid"
            case audienceInvalid = "audience_invalid"
            case typeInvalid = "type_invalid"
            case claimMissing = "claim_missing"
            case claimInvalid = "claim_invalid"
            case weakKey = "weak_key"
            case keyInvalid = "key_invalid"
            case revoked
            case sessionUnknown = "session_unknown"
            case sessionRevoked = "session_revoked"
            case sessionExpired = "session_expired"
            case refreshReused = "refresh_reused"
            case invalidCredentials = "invalid_credentials"
            case userDisabled = "user_disabled"
            case usernameTaken = "username_taken"
            case invalidInput = "invalid_input"
            case rateLimited = "rate_limited"
            case notFound = "not_found"
            case storeUnavailable = "store_unavailable"
            case keysUnavailable = "keys_unavailable"
            case revocationsStale = "revocations_stale"
            case invalidClient = "invalid_client"
            case invalidScope = "invalid_scope"
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// Every code, so that metrics can make one series per code up front.
        static let all: [Code] = Base.allCases.map(Code.init)

        /// The snake_case string, e.g. `signature_invalid`.
        public var description: String { self.base.rawValue }

        /// Not a compact JWS/JWT: wrong segment count, bad base64url, bad JSON, duplicate members.
        public static let malformed = Code(.malformed)
        /// The token is larger than the configured cap (checked before any decoding).
        public static let tooLarge = Code(.tooLarge)
        /// `alg` is `none`, unknown, not allowed, or not the algorithm the key is bound to.
        public static let algorithmRejected = Code(.algorithmRejected)
        /// No key matches the token's `kid` (or, without `kid`, no single key for its `alg`).
        public static let keyUnknown = Code(.keyUnknown)
        /// The signature does not verify.
        public static let signatureInvalid = Code(.signatureInvalid)
        /// The header asks for something never honoured: `crit`, `b64`, nested JWTs, `zip`.
        public static let headerUnsupported = Code(.headerUnsupported)
        /// `exp` has passed (beyond the leeway).
        public static let expired = Code(.expired)
        /// `nbf` is still in the future (beyond the leeway).
        public static let notYetValid = Code(.notYetValid)
        /// `iat` is in the future (beyond the leeway).
        public static let issuedInFuture = Code(.issuedInFuture)
        /// The token is older than, or was issued to live longer than, the maximum age.
        public static let tooOld = Code(.tooOld)
        /// `iss` is not the expected issuer.
        public static let issuerInvalid = Code(.issuerInvalid)
        /// `aud` does not contain an accepted audience.
        public static let audienceInvalid = Code(.audienceInvalid)
        /// The `typ` header is not the expected type.
        public static let typeInvalid = Code(.typeInvalid)
        /// A required claim is absent.
        public static let claimMissing = Code(.claimMissing)
        /// A claim has the wrong JSON type or an out-of-range value.
        public static let claimInvalid = Code(.claimInvalid)
        /// The key is too weak to be used (short HMAC secret, small or ROCA RSA modulus, e = 1).
        public static let weakKey = Code(.weakKey)
        /// The key is unusable: bad JWK/PEM, a point off the curve, an unsupported type or algorithm.
        public static let keyInvalid = Code(.keyInvalid)

        // Sessions and accounts.

        /// The access token's session or user has been revoked.
        public static let revoked = Code(.revoked)
        /// The refresh token names a session the store does not have.
        public static let sessionUnknown = Code(.sessionUnknown)
        /// The refresh token's session was revoked (logout, admin, reuse).
        public static let sessionRevoked = Code(.sessionRevoked)
        /// The session passed its idle timeout or its absolute lifetime.
        public static let sessionExpired = Code(.sessionExpired)
        /// A refresh token was presented again after it had been rotated: the whole session is
        /// revoked (reuse detection).
        public static let refreshReused = Code(.refreshReused)
        /// Wrong username or password.
        public static let invalidCredentials = Code(.invalidCredentials)
        /// The account is disabled.
        public static let userDisabled = Code(.userDisabled)
        /// Registration with a username that exists (compared case-insensitively).
        public static let usernameTaken = Code(.usernameTaken)
        /// A request field is missing, too long or not acceptable.
        public static let invalidInput = Code(.invalidInput)
        /// Too many failed attempts; see ``JWTAuthError/retryAfter``.
        public static let rateLimited = Code(.rateLimited)
        /// The user or session does not exist.
        public static let notFound = Code(.notFound)
        /// The session or user store cannot be reached; nothing was accepted unchecked.
        public static let storeUnavailable = Code(.storeUnavailable)

        // Services that verify tokens of a remote issuer, and machine clients.

        /// No usable verification keys: the issuer's JWKS was never fetched, or the last good one
        /// is older than the maximum stale age. Verification fails closed until it is back.
        public static let keysUnavailable = Code(.keysUnavailable)
        /// The revocation feed has been silent for longer than the stale limit: a revoked token
        /// could not be told from a valid one, so none is accepted until the feed is back.
        public static let revocationsStale = Code(.revocationsStale)
        /// Client authentication failed: unknown client or wrong secret (RFC 6749 §5.2).
        public static let invalidClient = Code(.invalidClient)
        /// The requested scope is more than the client was granted (RFC 6749 §5.2).
        public static let invalidScope = Code(.invalidScope)
    }
}

extension JWTAuthError {
    static func invalidInput(_ message: String) -> Self { Self(.invalidInput, message) }
    static func malformed(_ message: String) -> Self { Self(.malformed, message) }
    static func keyInvalid(_ message: String) -> Self { Self(.keyInvalid, message) }
    static func weakKey(_ message: String) -> Self { Self(.weakKey, message) }
    static func claimInvalid(_ message: String) -> Self { Self(.claimInvalid, message) }
}
