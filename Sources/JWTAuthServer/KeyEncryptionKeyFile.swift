import JWTAuth
import Logging

/// Where the key that seals the database's signing keys comes from: a file, shared by every
/// instance on one database (a secret mount), or — for the zero-configuration SQLite default —
/// `DATA/key-encryption.key`, created on first start.
enum KeyEncryptionKeyFile {
    /// Reads the configured key-encryption key; creates the default file (mode 0600,
    /// atomically) when it is missing. A configured file that is missing is an error: creating
    /// one would seal keys that no other instance can open.
    static func load(_ configuration: ServerConfiguration, logger: Logger) throws -> KeyEncryptionKey {
        let path = configuration.effectiveKeyEncryptionKeyFile
        if !FileSystem.exists(path) {
            guard configuration.keyEncryptionKeyFile == nil else {
                throw JWTAuthError(
                    .keyInvalid,
                    "the key-encryption key file \(path) does not exist; create it once (openssl rand -base64 32 > \(path); chmod 600 \(path)) and give every instance the same file"
                )
            }
            try KeyDirectory.makeDirectory(configuration.dataDirectory)
            if try FileSystem.createAtomically(path, contents: Array(KeyEncryptionKey.generate().fileContents.utf8), mode: 0o600) {
                logger.info("created a key-encryption key for the signing keys", metadata: ["path": "\(path)"])
            }
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
