import Foundation
import NIOCore
import NIOPosix

/// A redis-server of a test's own, as a child process on a free loopback port, for tests that
/// must configure, kill or restart it.
final class RedisServerProcess {
    /// `redis-server` on the PATH (where the test script checks for it), else the usual places.
    static let executable: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"]?.split(separator: ":").map { "\($0)/redis-server" } ?? []
        return (path + ["/usr/bin/redis-server", "/usr/local/bin/redis-server"]).first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    let port: Int
    let arguments: [String]
    private let directory: URL
    private var process: Process?

    /// Starts a server with `arguments` added to a throwaway, persistence-free configuration.
    init(arguments: [String] = []) async throws {
        self.port = try await Self.freePort()
        self.arguments = arguments
        self.directory = FileManager.default.temporaryDirectory.appendingPathComponent("jwtauth-redis-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try await start()
    }

    var url: String { "redis://127.0.0.1:\(port)" }

    /// Starts (again) on the same port and waits until it accepts connections.
    func start() async throws {
        guard let executable = Self.executable else { throw TestTimeout(what: "redis-server (not installed)") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments =
            [
                "--port", "\(port)", "--bind", "127.0.0.1", "--daemonize", "no", "--save", "", "--appendonly", "no",
                "--dir", directory.path, "--logfile", directory.appendingPathComponent("redis.log").path,
            ] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        let port = port
        try await TestRedis.eventually("redis-server to listen on \(port)") {
            guard process.isRunning else { throw TestTimeout(what: "redis-server exited at start") }
            return await Self.accepts(port: port)
        }
    }

    /// SIGKILL, as a crash would, and waits until the process is gone.
    func kill() async throws {
        guard let process else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        try await TestRedis.eventually("redis-server to exit") { !process.isRunning }
        self.process = nil
    }

    func stop() async {
        try? await kill()
        try? FileManager.default.removeItem(at: directory)
    }

    private static func accepts(port: Int) async -> Bool {
        do {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: "127.0.0.1", port: port).get()
            try? await channel.close()
            return true
        } catch {
            return false
        }
    }

    private static func freePort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress?.port ?? 0
        try await channel.close()
        return port
    }
}

extension RedisServerProcess {
    /// Runs `body` with a fresh server and stops it afterwards, also when `body` throws.
    static func with(arguments: [String] = [], _ body: (RedisServerProcess) async throws -> Void) async throws {
        let server = try await RedisServerProcess(arguments: arguments)
        do {
            try await body(server)
            await server.stop()
        } catch {
            await server.stop()
            throw error
        }
    }
}
