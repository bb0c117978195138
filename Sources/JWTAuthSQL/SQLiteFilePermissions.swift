import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Keeps the SQLite database — password hashes, sealed keys, session ids — readable by its
/// owner only.
///
/// SQLite creates a new file with the process's umask (0644 under the usual 022) and gives its
/// `-wal` and `-shm` files the database file's mode. Creating the file 0600 before SQLite opens
/// it therefore covers all three; an existing file that others can read is tightened, and a
/// directory others can enter is reported, since that is for the operator to decide.
enum SQLiteFilePermissions {
    static func secure(path: String, logger: Logger) {
        guard !path.isEmpty, path != ":memory:", !path.hasPrefix("file:") else { return }
        let descriptor = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0o600)
        if descriptor >= 0 { close(descriptor) }
        for file in [path, path + "-wal", path + "-shm"] {
            var status = stat()
            guard stat(file, &status) == 0, status.st_mode & 0o077 != 0 else { continue }
            if chmod(file, 0o600) == 0 {
                logger.notice("made the SQLite file readable by its owner only (it was open to others)", metadata: ["file": "\(file)"])
            } else {
                logger.warning("the SQLite file is readable by others and its mode cannot be changed", metadata: ["file": "\(file)"])
            }
        }
        let directory = Self.directory(of: path)
        var status = stat()
        if stat(directory, &status) == 0, status.st_mode & 0o077 != 0 {
            logger.warning(
                "the directory of the SQLite database is open to other users; make it 0700 (chmod 700) so that they cannot see or replace its files",
                metadata: ["directory": "\(directory)"]
            )
        }
    }

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
