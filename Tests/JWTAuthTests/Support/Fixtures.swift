import Foundation

@testable import JWTAuth

/// Test data: the RFC examples committed under Fixtures/, and the Wycheproof vectors read from
/// `../shared/vectors` (never committed) when they are there.
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    /// The repository root.
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `$JWTAUTH_SHARED_VECTORS`, else `../shared/vectors` next to the repository.
    static let sharedVectors: URL? = {
        let candidates = [
            ProcessInfo.processInfo.environment["JWTAUTH_SHARED_VECTORS"].map { URL(fileURLWithPath: $0) },
            repository.deletingLastPathComponent().appendingPathComponent("shared/vectors"),
        ].compactMap { $0 }
        return candidates.first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("wycheproof").path) }
    }()

    static var wycheproofAvailable: Bool { sharedVectors != nil }

    static func json(_ url: URL) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(contentsOf: url))
    }

    static func rfc(_ name: String) throws -> [[String: Any]] {
        let document = try json(directory.appendingPathComponent("\(name).json")) as? [String: Any]
        return document?["vectors"] as? [[String: Any]] ?? []
    }

    static func jsonText(_ object: Any) throws -> String {
        guard JSONSerialization.isValidJSONObject(object) else { throw CocoaError(.coderInvalidValue) }
        return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }
}

/// Helpers to build tokens by hand, including broken ones.
enum Forge {
    static func b64(_ bytes: some Sequence<UInt8>) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func b64(_ string: String) -> String { b64(Array(string.utf8)) }

    static func unb64(_ string: some StringProtocol) -> [UInt8] {
        var base = string.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base.count % 4 != 0 { base += "=" }
        return Array(Data(base64Encoded: base) ?? Data())
    }

    /// Signs an arbitrary header and payload text with `key` (the header is used as given).
    static func token(header: String, payload: String, key: JWTKey) throws -> String {
        let input = b64(header) + "." + b64(payload)
        let signature = try Array(input.utf8).withUnsafeBytes { try key.signature(for: $0) }
        return input + "." + b64(signature)
    }
}
