import Foundation
import Synchronization

/// A `jwtauth serve` child process (the binary named by `JWTAUTH_BIN`) on a fresh SQLite data
/// directory and a free loopback port; stopped (SIGTERM) and its directory removed by ``stop()``.
final class LiveTokenServer {
    let binary: String
    let dataDirectory: String
    let issuer: String
    private let process: Process

    /// Starts the server and waits (at most 60 s) for its "listening on" line.
    static func start(binary: String) async throws -> LiveTokenServer {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vapor-jwtauth-live-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = [
            "serve", "--host", "127.0.0.1", "--port", "0", "--data-dir", directory + "/data", "--bcrypt-cost", "10",
            "--revocation-heartbeat", "1s",
        ]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        let printed = PrintedText()
        output.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            printed.text.withLock { $0 += String(decoding: data, as: UTF8.self) }
        }
        try process.run()
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let text = printed.text.withLock { $0 }
            if let range = text.range(of: "listening on ") {
                let url = text[range.upperBound...].prefix(while: { !$0.isWhitespace })
                output.fileHandleForReading.readabilityHandler = nil
                return LiveTokenServer(binary: binary, dataDirectory: directory, issuer: String(url), process: process)
            }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        process.terminate()
        try? FileManager.default.removeItem(atPath: directory)
        throw LiveServerError("jwtauth serve did not start: \(printed.text.withLock { $0 })")
    }

    private init(binary: String, dataDirectory: String, issuer: String, process: Process) {
        self.binary = binary
        self.dataDirectory = dataDirectory
        self.issuer = issuer
        self.process = process
    }

    /// `jwtauth clients add NAME --scope SCOPE` on the server's store: the client id and secret.
    func addClient(_ name: String, scope: String) throws -> (id: String, secret: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: self.binary)
        process.arguments = ["clients", "add", name, "--scope", scope, "--data-dir", self.dataDirectory + "/data"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
            let object = try JSONSerialization.jsonObject(with: data) as? [String: Any],
            let id = object["client_id"] as? String, let secret = object["client_secret"] as? String
        else {
            throw LiveServerError("jwtauth clients add failed: \(String(decoding: data, as: UTF8.self).prefix(200))")
        }
        return (id, secret)
    }

    /// Stops the server and removes its data.
    func stop() {
        self.process.terminate()
        self.process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: self.dataDirectory)
    }
}

struct LiveServerError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// What the child printed so far, shared with the pipe's reading handler.
final class PrintedText: Sendable {
    let text = Mutex("")
}
