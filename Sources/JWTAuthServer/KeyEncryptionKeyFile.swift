import JWTAuth
import Logging

/// Where the key that seals the database's signing keys comes from.
///
/// Any database but the zero-configuration default needs a configured file
/// (`--key-encryption-key-file`, `JWTAUTH_KEY_ENCRYPTION_KEY_FILE`), shared by every instance on
/// it (a secret mount): a key made up by one instance would seal keys the others cannot open.
/// Only the default SQLite file under the data directory, with no file configured, has one
/// made for it: `DATA/keys/key-encryption.key` (mode 0600 in the 0700 `DATA/keys`), created by
/// the server on first start — or `DATA/key-encryption.key`, where an earlier version made it,
/// when that exists.
enum KeyEncryptionKeyFile {
    static let fileName = "key-encryption.key"

    /// Where the key is read from, and whether it may be created there.
    struct Location: Equatable {
        var path: String
        /// True for the zero-configuration default, which the server creates when missing.
        var isDefault: Bool
    }

    /// The file in effect.
    ///
    /// - Throws: `invalid_input` when no file is configured and the database is not the
    ///   zero-configuration SQLite default, naming the flag and the environment variable.
    static func location(_ configuration: ServerConfiguration) throws(JWTAuthError) -> Location {
        if let path = configuration.keyEncryptionKeyFile { return Location(path: path, isDefault: false) }
        guard configuration.usesDefaultDatabase else {
            throw JWTAuthError(
                .invalidInput,
                "the signing keys in \(ServerStores.redacted(configuration.effectiveDatabase)) are sealed under a key-encryption key that every instance "
                    + "must share, so it is never made up for any database but the default SQLite file: give it with --key-encryption-key-file FILE "
                    + "or JWTAUTH_KEY_ENCRYPTION_KEY_FILE (create it once: openssl rand -base64 32 > FILE; chmod 600 FILE; "
                    + "or name the \(Self.fileName) an earlier start left in the data directory), or sign with key files (--keys-dir)"
            )
        }
        let current = ServerConfiguration.join(ServerConfiguration.join(configuration.dataDirectory, "keys"), Self.fileName)
        let earlier = ServerConfiguration.join(configuration.dataDirectory, Self.fileName)
        // A data directory set up by an earlier version keeps its key: a new one would not open
        // the keys already sealed.
        if !FileSystem.exists(current) && FileSystem.exists(earlier) { return Location(path: earlier, isDefault: true) }
        return Location(path: current, isDefault: true)
    }

    /// Reads the key-encryption key for a server; creates the zero-configuration default (mode
    /// 0600 in a 0700 `DATA/keys`, atomically) when it is missing. A configured file that is
    /// missing is an error: creating one would seal keys that no other instance can open.
    static func loadOrCreate(_ configuration: ServerConfiguration, logger: Logger) throws -> KeyEncryptionKey {
        let location = try Self.location(configuration)
        if location.isDefault && !FileSystem.exists(location.path) {
            let directory = ServerConfiguration.join(configuration.dataDirectory, "keys")
            try KeyDirectory.makeDirectory(directory)
            if let mode = FileSystem.mode(directory), mode & 0o077 != 0 {
                logger.warning("the keys directory is open to other users; chmod 700 it", metadata: ["path": "\(directory)"])
            }
            if try FileSystem.createAtomically(location.path, contents: Array(KeyEncryptionKey.generate().fileContents.utf8), mode: 0o600) {
                logger.info("created a key-encryption key for the signing keys", metadata: ["path": "\(location.path)"])
            }
        }
        return try Self.read(location, logger: logger)
    }

    /// Reads the key-encryption key for the administration commands, which never create one: a
    /// key they made up would seal keys no server can open.
    static func load(_ configuration: ServerConfiguration, logger: Logger) throws -> KeyEncryptionKey {
        try Self.read(try Self.location(configuration), logger: logger)
    }

    private static func read(_ location: Location, logger: Logger) throws -> KeyEncryptionKey {
        let path = location.path
        guard FileSystem.exists(path) else {
            if location.isDefault {
                throw JWTAuthError(.keyInvalid, "there is no key-encryption key at \(path); the server creates it on its first start")
            }
            throw JWTAuthError(
                .keyInvalid,
                "the key-encryption key file \(path) does not exist; create it once (openssl rand -base64 32 > \(path); chmod 600 \(path)) and give every instance the same file"
            )
        }
        guard let contents = FileSystem.readBytes(path) else {
            throw JWTAuthError(.keyInvalid, "cannot read the key-encryption key file \(path)")
        }
        if let mode = FileSystem.mode(path), mode & 0o077 != 0 {
            logger.warning("the key-encryption key file is readable by other users; chmod 600 it", metadata: ["path": "\(path)"])
        }
        do {
            return try KeyEncryptionKey(fileContents: contents)
        } catch {
            throw JWTAuthError(.keyInvalid, "\(path): \(error.message)")
        }
    }
}
