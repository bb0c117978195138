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

    /// The key files as they are: `signing.jwk` and the others (private or public), or nil when
    /// there is no `signing.jwk`.
    struct Files {
        var signing: JWTKey
        var others: [JWTKey]
    }

    func loadOrCreate(algorithm: JWSAlgorithm?) throws -> Keys {
        try Self.makeDirectory(self.path)
        let signingPath = ServerConfiguration.join(self.path, Self.signingFileName)
        if !FileSystem.exists(signingPath) {
            try self.create(at: signingPath, algorithm: algorithm ?? .es256)
        }
        guard let files = try self.existingKeys() else {
            throw JWTAuthError(.keyInvalid, "cannot read \(signingPath)")
        }
        if let algorithm, algorithm != files.signing.algorithm {
            throw JWTAuthError(
                .keyInvalid,
                "\(signingPath) holds an \(files.signing.algorithm) key but \(algorithm) was asked for; move the old key aside to rotate"
            )
        }
        return try Self.keys(files)
    }

    /// The signing key and the verification set the files make.
    static func keys(_ files: Files) throws -> Keys {
        Keys(signing: files.signing, verification: try JWTKeySet([files.signing] + files.others.map { $0.publicKey ?? $0 }))
    }

    /// Reads the key files without creating anything.
    ///
    /// - Returns: nil when there is no `signing.jwk` (or no directory).
    func existingKeys() throws -> Files? {
        let signingPath = ServerConfiguration.join(self.path, Self.signingFileName)
        guard FileSystem.exists(signingPath) else { return nil }
        let signing = try self.load(signingPath)
        guard signing.isPrivate, signing.canSign else {
            throw JWTAuthError.init(.keyInvalid, "\(signingPath) must hold a private signing key")
        }
        var others: [JWTKey] = []
        for name in try self.otherKeyFiles() {
            others.append(try self.load(ServerConfiguration.join(self.path, name)))
        }
        return Files(signing: signing, others: others)
    }

    /// What changes when any key file is written, replaced, added or removed: each `*.jwk`
    /// file's name, inode, size and modification time.
    func fingerprint() -> String {
        guard let names = try? FileSystem.list(self.path) else { return "" }
        return names.filter(Self.isKeyFile).map { name in
            "\(name):\(FileSystem.signature(ServerConfiguration.join(self.path, name)) ?? "-")"
        }.joined(separator: "/")
    }

    private func otherKeyFiles() throws -> [String] {
        try FileSystem.list(self.path).filter { Self.isKeyFile($0) && $0 != Self.signingFileName }
    }

    private static func isKeyFile(_ name: String) -> Bool {
        name.hasSuffix(".jwk") && !name.hasPrefix(".")
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
        if try FileSystem.createAtomically(signingPath, contents: Array(text.utf8), mode: 0o600) {
            self.logger.info("created a signing key", metadata: ["alg": "\(algorithm)", "kid": "\(key.keyID ?? "")", "path": "\(signingPath)"])
        }
        // Not created: another instance created it first; load theirs.
    }

    static func makeDirectory(_ path: String) throws {
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

    /// The inode, size and modification time of a file, or nil when it cannot be examined.
    static func signature(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        #if canImport(Darwin)
        let modified = info.st_mtimespec
        #else
        let modified = info.st_mtim
        #endif
        return "\(info.st_ino)-\(info.st_size)-\(modified.tv_sec).\(modified.tv_nsec)"
    }

    static func readText(_ path: String) -> String? {
        self.readBytes(path).flatMap { String(validating: $0, as: UTF8.self) }
    }

    static func readBytes(_ path: String) -> [UInt8]? {
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
        return bytes
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

    /// Creates `path` with `contents` unless it exists, atomically: the contents go to a
    /// private temporary file beside it, which is then hard-linked into place — a link fails if
    /// another process created the file first, so readers never see a partial file and
    /// processes racing to create it agree on one.
    ///
    /// - Returns: True when this call created the file, false when it existed.
    static func createAtomically(_ path: String, contents: [UInt8], mode: mode_t) throws -> Bool {
        let directory = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        let name = path.split(separator: "/").last.map(String.init) ?? "file"
        let parent = directory.isEmpty ? (path.hasPrefix("/") ? "/" : ".") : directory
        let temporary = ServerConfiguration.join(parent, ".\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).tmp")
        try FileSystem.writeNew(temporary, contents: contents, mode: mode)
        defer { unlink(temporary) }
        if link(temporary, path) == 0 { return true }
        guard errno == EEXIST else { throw JWTAuthError(.keyInvalid, "cannot create \(path) (errno \(errno))") }
        return false
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
