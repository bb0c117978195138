import ArgumentParser
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs the command and maps every failure to the exit codes of DESIGN §7:
/// 0 success, 1 token rejected, 2 usage or key error.
@main
enum Main {
    static func main() async {
        do {
            var command = try JWTAuthCommand.parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let failure as CLIFailure {
            Console.error("error: \(failure.code): \(failure.message)")
            exit(failure.exitCode)
        } catch let exitCode as ExitCode {
            exit(exitCode.rawValue)
        } catch {
            // Help and version requests are "errors" to the parser; everything else is usage.
            if JWTAuthCommand.exitCode(for: error) == .success {
                print(JWTAuthCommand.fullMessage(for: error))
                exit(0)
            }
            Console.error("error: usage: \(JWTAuthCommand.message(for: error))")
            Console.error(JWTAuthCommand.usageString(for: error))
            exit(2)
        }
    }
}

extension JWTAuthCommand {
    /// The usage text of the subcommand an error came from.
    static func usageString(for error: any Error) -> String {
        let full = Self.fullMessage(for: error)
        guard let range = full.range(of: "Usage:") else { return "See 'jwtauth --help'." }
        return String(full[range.lowerBound...])
    }
}
