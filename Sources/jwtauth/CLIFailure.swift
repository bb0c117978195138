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
}
