import Foundation
import JWTAuth
import Testing

extension API {
    /// The kids `/.well-known/jwks.json` publishes, in its order.
    func publishedKeyIDs() async throws -> [String] {
        try await self.get("/.well-known/jwks.json").object["keys"]?.arrayValue?.compactMap { $0.objectValue?["kid"]?.stringValue } ?? []
    }

    /// The kid a fresh login's access token is signed with.
    func signingKeyID(_ username: String) async throws -> String? {
        keyID(of: try await self.login(username).access)
    }
}

/// The `kid` in a token's header.
func keyID(of token: String) -> String? {
    JWTParts(token)?.header["kid"]?.stringValue
}

/// Waits until `condition` holds, checking every 20 ms for at most `timeout`: for changes that
/// a server's background service makes (a poll of the keys), never to make a test pass by
/// waiting long enough.
func eventually(
    _ what: Comment,
    timeout: Duration = .seconds(20),
    sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    Issue.record("never happened: \(what)", sourceLocation: sourceLocation)
    throw CancellationError()
}

/// Writes a file under a temporary name and renames it into place, so a reader never sees it
/// half written.
func writeAtomically(_ path: String, _ text: String) throws {
    let temporary = path + ".tmp-\(UUID().uuidString)"
    try text.write(toFile: temporary, atomically: false, encoding: .utf8)
    try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: temporary)
    guard rename(temporary, path) == 0 else { throw CocoaError(.fileWriteUnknown) }
}
