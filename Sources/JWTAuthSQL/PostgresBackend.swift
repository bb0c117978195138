import JWTAuth
import Logging
import NIOCore
import NIOSSL
import PostgresKit
import PostgresNIO
import SQLKit
import Synchronization

/// PostgreSQL through postgres-nio's pooled `PostgresClient`, for several instances.
///
/// Every operation has a deadline: while the database is unreachable the pool would otherwise
/// wait up to a minute for a connection, and a login must fail fast with a 503 instead.
/// Revocations are pushed to every instance with LISTEN/NOTIFY; the notification is sent in the
/// same transaction that records the revocation, so it is delivered exactly when it commits.
final class PostgresBackend: SQLBackend {
    let dialect = SQLStoreDialect.postgres
    private let client: PostgresClient
    private let runTask: Task<Void, Never>
    private let logger: Logger
    private let deadline: Duration
    private let migrationDeadline: Duration
    private let feeds = Mutex<[Task<Void, Never>]>([])
    /// After a connection failure or a timeout, calls fail at once for a short while instead of
    /// each waiting out the deadline: an outage answers 503 in microseconds, and one call per
    /// window probes whether the database is back.
    private let failingUntil = Mutex<ContinuousClock.Instant?>(nil)
    private static let failFastWindow: Duration = .milliseconds(500)

    init(url: PostgresURL, logger: Logger, deadline: Duration = .seconds(3), migrationDeadline: Duration = .seconds(30)) throws {
        let tls = try Self.tls(for: url)
        var configuration = PostgresClient.Configuration(
            host: url.host,
            port: url.port,
            username: url.username,
            password: url.password,
            database: url.database,
            tls: tls
        )
        configuration.options.connectTimeout = .seconds(2)
        configuration.options.maximumConnections = 10
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        // The client's pool only serves while `run()` is running; it ends when this task is
        // cancelled on close.
        self.runTask = Task { await client.run() }
        self.logger = logger
        self.deadline = deadline
        self.migrationDeadline = migrationDeadline
    }

    func transaction<Result: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> Result) async throws -> Result {
        try await self.withDeadline(self.deadline) {
            try await self.client.withConnection { connection in
                try await connection.sql(queryLogLevel: nil).runTransaction(body)
            }
        }
    }

    func migrationTransaction<Result: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> Result) async throws -> Result {
        try await self.withDeadline(self.migrationDeadline) {
            try await self.client.withConnection { connection in
                try await connection.sql(queryLogLevel: nil).runTransaction(body)
            }
        }
    }

    func withDatabase<Result: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> Result) async throws -> Result {
        try await self.withDeadline(self.deadline) {
            try await self.client.withConnection { connection in
                try await body(connection.sql(queryLogLevel: nil))
            }
        }
    }

    func isUniqueViolation(_ error: any Error) -> Bool {
        guard let error = error as? PSQLError else { return false }
        return error.serverInfo?[.sqlState] == "23505"
    }

    /// LISTEN on a leased connection, reconnecting with backoff; yields `.connected` each time
    /// the listener is (re)established.
    func revocationFeed() -> AsyncStream<RevocationFeedMessage>? {
        let (stream, continuation) = AsyncStream<RevocationFeedMessage>.makeStream(bufferingPolicy: .bufferingNewest(10_000))
        let client = self.client
        let logger = self.logger
        let task = Task {
            var backoff = Duration.milliseconds(50)
            while !Task.isCancelled {
                do {
                    try await client.withConnection { connection in
                        try await connection.listen(on: SQLStore.notificationChannel) { notifications in
                            continuation.yield(.connected)
                            backoff = .milliseconds(50)
                            for try await notification in notifications {
                                if let event = SQLStore.decodeEvent(notification.payload) {
                                    continuation.yield(.revoked(event))
                                }
                            }
                        }
                    }
                } catch {
                    if Task.isCancelled { break }
                    logger.debug("revocation listener lost", metadata: ["error": "\(String(reflecting: type(of: error)))"])
                }
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, .seconds(2))
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        self.feeds.withLock { $0.append(task) }
        return stream
    }

    func close() async throws {
        for task in self.feeds.withLock({ $0 }) { task.cancel() }
        self.runTask.cancel()
        await self.runTask.value
    }

    private func withDeadline<Result: Sendable>(_ deadline: Duration, _ body: @escaping @Sendable () async throws -> Result) async throws -> Result {
        let now = ContinuousClock.now
        let failing = self.failingUntil.withLock { until -> Bool in
            guard let deadline = until, now < deadline else { return false }
            return true
        }
        if failing { throw JWTAuthError(.storeUnavailable, "the database is unreachable") }
        do {
            let result = try await Deadline.run(deadline, body)
            self.failingUntil.withLock { $0 = nil }
            return result
        } catch let error as PSQLError where error.code == .server {
            // The database answered (a constraint, a bad query): it is up. A data exception
            // (SQLSTATE class 22, e.g. a NUL character, which PostgreSQL's text cannot hold)
            // is the client's input, not an outage.
            if error.serverInfo?[.sqlState]?.hasPrefix("22") == true {
                throw JWTAuthError(.invalidInput, "a value was refused by the database (e.g. a NUL character)")
            }
            throw error
        } catch let error as JWTAuthError where error.code != .storeUnavailable {
            // Our own verdict on what the database answered (e.g. username_taken).
            throw error
        } catch {
            self.failingUntil.withLock { $0 = ContinuousClock.now + Self.failFastWindow }
            throw error
        }
    }

    /// The client's TLS settings for a URL's `sslmode` and `sslrootcert`.
    static func tls(for url: PostgresURL) throws -> PostgresClient.Configuration.TLS {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let file = url.rootCertificateFile {
            do {
                configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(file))
            } catch {
                throw JWTAuthError(.invalidInput, "cannot read the certificate authorities in sslrootcert=\(file)")
            }
        }
        switch url.tls {
        case .disable:
            return .disable
        case .prefer, .require:
            // Encryption without authentication, as libpq's `prefer` and `require`.
            configuration.certificateVerification = .none
            return url.tls == .prefer ? .prefer(configuration) : .require(configuration)
        case .verifyCA:
            configuration.certificateVerification = .noHostnameVerification
            return .require(configuration)
        case .verifyFull:
            configuration.certificateVerification = .fullVerification
            return .require(configuration)
        }
    }
}
