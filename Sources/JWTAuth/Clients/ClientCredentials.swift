#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A client id and secret as a client presents them to the token endpoint: in an
/// `Authorization: Basic` header (`client_secret_basic`) or as form fields
/// (`client_secret_post`), RFC 6749 §2.3.1.
public struct ClientCredentials: Sendable, Hashable {
    /// The client id.
    public var clientID: String
    /// The secret. Never logged.
    public var secret: String

    /// Creates credentials from a client id and a secret.
    public init(clientID: String, secret: String) {
        self.clientID = clientID
        self.secret = secret
    }

    /// Reads the credentials of an `Authorization` header with the Basic scheme (in any letter
    /// case): base64 of the form-urlencoded client id, `:`, and the form-urlencoded secret.
    ///
    /// Returns nil when the header uses another scheme.
    ///
    /// - Throws: `invalid_client` when it is Basic but not valid base64, not UTF-8, without a
    ///   `:`, with a bad percent escape, or with an empty id or secret.
    public init?(authorization header: String) throws(JWTAuthError) {
        guard let space = header.firstIndex(of: " "),
            header[..<space].utf8.elementsEqual("basic".utf8, by: { $0 | 0x20 == $1 })
        else { return nil }
        let encoded = header[space...].drop(while: { $0 == " " })
        let malformed = JWTAuthError(.invalidClient, "the Basic credentials are malformed")
        guard encoded.utf8.count <= 4096, let decoded = Data(base64Encoded: String(encoded)),
            let colon = decoded.firstIndex(of: UInt8(ascii: ":")),
            let id = PercentDecoding.decode(decoded[..<colon], plusIsSpace: true),
            let secret = PercentDecoding.decode(decoded[(colon + 1)...], plusIsSpace: true),
            !id.isEmpty, !secret.isEmpty
        else { throw malformed }
        self.init(clientID: id, secret: secret)
    }
}
