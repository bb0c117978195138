import ArgumentParser
import Foundation
import JWTAuth
import JWTAuthServer

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `jwtauth audit`: the audit log, read from the database directly.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Show the audit log (logins, logouts, revocations, account, client and key changes), oldest first.",
        discussion: "Reads the database (--database / --data-dir), where the audit log is kept also when sessions are in Redis."
    )

    @Option(name: .long, help: "Only this user's events (id or username).")
    var user: String?

    @Option(name: .long, help: "Only events of this kind: \(AuditEventKind.all.map(\.rawValue).joined(separator: ", ")).")
    var event: String?

    @Option(name: .long, help: "Only events since a time: a duration ago (30m, 24h, 7d) or an RFC 3339 time (2026-01-31T12:00:00Z).")
    var since: String?

    @Flag(name: .long, help: "Keep printing new events as they are written (until interrupted).")
    var follow = false

    @Flag(name: .long, help: "Print one JSON object per line instead of a table.")
    var json = false

    @OptionGroup var store: StoreOptions

    func run() async throws {
        let configuration = try ClientsCommand.configuration(self.store)
        var kind: AuditEventKind?
        if let event = self.event {
            guard let named = AuditEventKind(named: event) else {
                throw CLIFailure.usage("unknown --event \(event); one of \(AuditEventKind.all.map(\.rawValue).joined(separator: ", "))")
            }
            kind = named
        }
        let since = try self.since.map(Self.time)
        let json = self.json
        var first = true
        try await CLIFailure.reporting {
            try await readAuditLog(
                user: self.user,
                kind: kind,
                since: since,
                follow: self.follow,
                configuration: configuration,
                logger: Console.administrationLogger()
            ) { entries in
                if json {
                    for entry in entries { print(entry.event.jsonValue(cursor: entry.cursor).jsonString) }
                } else {
                    Console.printTable(
                        (first ? [["TIME", "EVENT", "OUTCOME", "USER", "SESSION", "CLIENT", "KEY", "ADDRESS", "USER AGENT"]] : [])
                            + entries.map { Self.row($0.event) }
                    )
                    first = false
                }
                fflush(nil)
            }
        }
    }

    static func row(_ event: AuditEvent) -> [String] {
        [
            Console.date(event.time), event.kind.rawValue, event.outcome, event.userID ?? "-", event.sessionID ?? "-", event.clientID ?? "-",
            event.keyID ?? "-", event.clientAddress ?? "-", event.userAgent.map { String($0.prefix(40)) } ?? "-",
        ]
    }

    /// `--since`: a duration before now, or an RFC 3339 time.
    static func time(_ text: String) throws(CLIFailure) -> NumericDate {
        if let ago = DurationArgument(argument: text) {
            return SystemClock().now - ago.duration
        }
        let withFraction = ISO8601DateFormatter()
        withFraction.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = ISO8601DateFormatter().date(from: text) ?? withFraction.date(from: text) {
            return NumericDate(secondsSinceEpoch: date.timeIntervalSince1970)
        }
        throw .usage("--since is a duration (30m, 7d) or an RFC 3339 time (2026-01-31T12:00:00Z)")
    }
}
