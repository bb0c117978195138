import JWTAuth

/// A failure the CLI reports as `error: <code>: <message>` with the exit code the README lists (1 or 2).
struct CLIFailure: Error {
    var code: String
    var message: String
    var exitCode: Int32

    /// A rejected token: exit 1.
    static func rejected(_ error: JWTAuthError) -> CLIFailure {
        CLIFailure(code: error.code.description, message: error.message, exitCode: 1)
    }

    /// A key that cannot be used: exit 2.
    static func key(_ error: JWTAuthError) -> CLIFailure {
        CLIFailure(code: error.code.description, message: error.message, exitCode: 2)
    }

    /// Wrong flags or unreadable input: exit 2.
    static func usage(_ message: String) -> CLIFailure {
        CLIFailure(code: "usage", message: message, exitCode: 2)
    }

    /// A failure of library work: `invalid_input` is a usage error (exit 2), any other code a
    /// failure while running (exit 1: an unknown id, an unreachable store).
    static func failed(_ error: JWTAuthError) -> CLIFailure {
        CLIFailure(code: error.code.description, message: error.message, exitCode: error.code == .invalidInput ? 2 : 1)
    }

    /// Runs library work, reporting its ``JWTAuthError`` as ``failed(_:)`` does.
    static func reporting<Result>(_ body: () async throws -> Result) async throws -> Result {
        do {
            return try await body()
        } catch let error as JWTAuthError {
            throw Self.failed(error)
        }
    }
}
