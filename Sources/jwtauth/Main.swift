import ArgumentParser
import Foundation
import JWTAuth
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs the command and maps every failure to the exit codes the README lists:
/// 0 success, 1 token rejected (or a failure while running), 2 usage or key error.
@main
enum Main {
    static func main() async {
        // Swift Concurrency's jobs run on the event loops that do the I/O, instead of hopping
        // between those and the concurrency pool on every request and every proxied chunk.
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
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
        } catch let error as JWTAuthError {
            // A core error that no subcommand translated (e.g. `serve` finding a bad key or an
            // unreachable database at start-up): bad input or keys are 2, the rest 1.
            Console.error("error: \(error.code): \(error.message)")
            exit([.invalidInput, .keyInvalid, .weakKey].contains(error.code) ? 2 : 1)
        } catch {
            switch JWTAuthCommand.exitCode(for: error) {
            case .success:
                // Help and version requests are "errors" to the parser.
                print(JWTAuthCommand.fullMessage(for: error))
                exit(0)
            case .validationFailure:
                Console.error("error: usage: \(JWTAuthCommand.message(for: error))")
                Console.error(JWTAuthCommand.usageString(for: error))
                exit(2)
            default:
                // A failure while running (a port in use, a driver error): not a usage mistake.
                Console.error("error: failed: \(JWTAuthCommand.message(for: error))")
                exit(1)
            }
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
