import JWTAuth
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The signing keys on disk: `signing.jwk` (the current private key, mode 0600) and any other
/// `*.jwk` files (retired keys, still published and accepted until removed).
///
/// Several instances may share the directory (a volume or secret mount). When it is empty the
/// first instance to start creates the key atomically — written to a private temporary file,
/// then hard-linked into place, which fails if another instance got there first — and the
/// others load that one.
struct KeyDirectory {
    static let signingFileName = "signing.jwk"

    let path: String
    let logger: Logger

    struct Keys {
        var signing: JWTKey
        var verification: JWTKeySet
    }

    func loadOrCreate(algorithm: JWSAlgorithm?) throws -> Keys {
        try Self.makeDirectory(self.path)
        let signingPath = ServerConfiguration.join(self.path, Self.signingFileName)
        if !FileSystem.exists(signingPath) {
            try self.create(at: signingPath, algorithm: algorithm ?? .es256)
        }
        let signing = try self.load(signingPath)
        guard signing.isPrivate, signing.canSign else {
            throw JWTAuthError.init(.keyInvalid, "\(signingPath) must hold a private signing key")
        }
        if let algorithm, algorithm != signing.algorithm {
            throw JWTAuthError(
                .keyInvalid,
                "\(signingPath) holds an \(signing.algorithm) key but \(algorithm) was asked for; move the old key aside to rotate"
            )
        }
        var verification = [signing]
        for name in try FileSystem.list(self.path) where name.hasSuffix(".jwk") && name != Self.signingFileName && !name.hasPrefix(".") {
            let key = try self.load(ServerConfiguration.join(self.path, name))
            verification.append(key.publicKey ?? key)
        }
        return Keys(signing: signing, verification: try JWTKeySet(verification))
    }

    private func load(_ path: String) throws -> JWTKey {
        guard let text = FileSystem.readText(path) else {
            throw JWTAuthError(.keyInvalid, "cannot read \(path)")
        }
        if let mode = FileSystem.mode(path), mode & 0o077 != 0 {
            self.logger.warning("key file is readable by other users; chmod 600 it", metadata: ["path": "\(path)"])
        }
        return try JWTKey(jwk: text)
    }

    private func create(at signingPath: String, algorithm: JWSAlgorithm) throws {
        let key = try JWTKey.generate(algorithm)
        let text = try key.jwk(includingPrivateKey: true) + "\n"
        let temporary = ServerConfiguration.join(self.path, ".signing-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).tmp")
        try FileSystem.writeNew(temporary, contents: Array(text.utf8), mode: 0o600)
        defer { unlink(temporary) }
        if link(temporary, signingPath) == 0 {
            self.logger.info("created a signing key", metadata: ["alg": "\(algorithm)", "kid": "\(key.keyID ?? "")", "path": "\(signingPath)"])
        } else if errno != EEXIST {
            throw JWTAuthError(.keyInvalid, "cannot create \(signingPath) (errno \(errno))")
        }
        // EEXIST: another instance created it first; load theirs.
    }

    private static func makeDirectory(_ path: String) throws {
        var current = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            current += component + "/"
            if mkdir(current, 0o700) != 0 && errno != EEXIST {
                throw JWTAuthError(.keyInvalid, "cannot create the directory \(path) (errno \(errno))")
            }
        }
    }
}

/// The few POSIX file operations the server needs, without Foundation.
enum FileSystem {
    static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    static func mode(_ path: String) -> mode_t? {
        var info = stat()
        return stat(path, &info) == 0 ? info.st_mode & 0o777 : nil
    }

    static func readText(_ path: String) -> String? {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 { return nil }
            if count == 0 { break }
            bytes.append(contentsOf: buffer[0..<count])
        }
        return String(validating: bytes, as: UTF8.self)
    }

    /// Creates `path` (which must not exist) with `mode`, writes and syncs it.
    static func writeNew(_ path: String, contents: [UInt8], mode: mode_t) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, mode)
        guard descriptor >= 0 else { throw JWTAuthError(.keyInvalid, "cannot create \(path) (errno \(errno))") }
        defer { close(descriptor) }
        var written = 0
        while written < contents.count {
            let count = contents.withUnsafeBytes { bytes -> Int in
                guard let base = bytes.baseAddress else { return -1 }
                return write(descriptor, base + written, bytes.count - written)
            }
            guard count > 0 else { throw JWTAuthError(.keyInvalid, "cannot write \(path) (errno \(errno))") }
            written += count
        }
        guard fsync(descriptor) == 0 else { throw JWTAuthError(.keyInvalid, "cannot sync \(path)") }
    }

    static func list(_ path: String) throws -> [String] {
        guard let directory = opendir(path) else { throw JWTAuthError(.keyInvalid, "cannot list \(path)") }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }
}
