import Foundation
import Testing

@testable import JWTAuthRESP

/// `rediss://` against the TLS-only servers the test script starts with a certificate from a
/// CA it made for the run (for 127.0.0.1 and localhost, not ::1): one takes clients without a
/// certificate, the other requires one.
@Suite("Redis over TLS", TestRedis.needsTLS, .timeLimit(.minutes(2)))
struct RedisTLSTests {
    @Test("Commands, pipelines and pub/sub work over rediss:// with the run's CA and full verification", arguments: [2, 3])
    func commands(protocolVersion: Int) async throws {
        var configuration = try TestRedis.tlsConfiguration()
        configuration.protocolVersion = protocolVersion
        #expect(configuration.tls?.verification == .full)
        try await TestRedis.withClient(configuration) { client async throws in
            let key = TestRedis.uniqueKey("tls")
            #expect(try await client.send(["SET", key, "välue", "PX", "60000"]) == .simpleString("OK"))
            #expect(try await client.send(["GET", key]).string == "välue")
            let replies = try await client.pipeline((0..<200).map { _ in ["INCR", key + ":n"] } + [["DEL", key, key + ":n"]])
            #expect(replies.dropLast().map(\.int) == (1...200).map { Int64($0) })
            #expect(replies.last?.int == 2)

            let channel = TestRedis.uniqueKey("tls-channel")
            let recorder = SubscriptionRecorder(client.subscribe(channel: channel))
            try await recorder.waitFor("the subscription") { $0.contains(.subscribed) }
            try await client.publish(channel: channel, message: "revoked:s-1")
            try await recorder.waitFor("the message") { $0.contains(.message(Array("revoked:s-1".utf8))) }
            await recorder.stop()
        }
    }

    @Test("A host name is sent as SNI and matched against the certificate's DNS names")
    func hostName() async throws {
        var configuration = try TestRedis.tlsConfiguration()
        configuration.endpoints = configuration.endpoints.map { (host: "localhost", port: $0.port) }
        try await TestRedis.withClient(configuration) { client async throws in
            try await client.ping()
        }
    }

    @Test("A server whose certificate does not chain to the given CA is refused with a TLS error", arguments: RedisTLSConfiguration.Verification.allCases)
    func wrongCertificateAuthority(_ verification: RedisTLSConfiguration.Verification) async throws {
        var configuration = try TestRedis.tlsConfiguration()
        configuration.tls?.certificateAuthorityFile = try TestRedis.wrongCertificateAuthority()
        configuration.tls?.verification = verification
        try await TestRedis.withClient(configuration) { client async throws in
            let error = await #expect(throws: RedisError.self) { try await client.ping() }
            #expect(error?.kind == .connectionFailed)
            #expect(error?.message.contains("TLS handshake") == true, "\(String(describing: error))")
            #expect(error?.message.contains("does not chain to a trusted certificate authority") == true, "\(String(describing: error))")
        }
    }

    @Test("Without a CA the system's roots are used, and they do not know the run's CA")
    func systemRoots() async throws {
        var configuration = try TestRedis.tlsConfiguration()
        configuration.tls?.certificateAuthorityFile = nil
        try await TestRedis.withClient(configuration) { client async throws in
            let error = await #expect(throws: RedisError.self) { try await client.ping() }
            #expect(error?.kind == .connectionFailed)
        }
    }

    /// The server also listens on ::1 (when the host has IPv6), which its certificate does not
    /// name: the check of the name is what refuses it.
    @Test("verify=full refuses an address the certificate does not name; verify=ca accepts it")
    func unnamedAddress() async throws {
        var configuration = try TestRedis.tlsConfiguration()
        configuration.endpoints = configuration.endpoints.map { (host: "::1", port: $0.port) }
        configuration.tls?.verification = .ca
        let chainOnly: Result<Void, RedisError> = await {
            do {
                try await TestRedis.withClient(configuration) { client async throws in try await client.ping() }
                return .success(())
            } catch let error as RedisError {
                return .failure(error)
            } catch {
                return .failure(.connectionFailed("\(error)"))
            }
        }()
        if case .failure(let error) = chainOnly, error.message.contains("could not connect") {
            // No IPv6 loopback on this host: nothing to connect to, so nothing to check.
            return
        }
        #expect(throws: Never.self) { try chainOnly.get() }

        configuration.tls?.verification = .full
        try await TestRedis.withClient(configuration) { client async throws in
            let error = await #expect(throws: RedisError.self) { try await client.ping() }
            #expect(error?.kind == .connectionFailed)
            #expect(error?.message.contains("does not name this host") == true, "\(String(describing: error))")
        }
    }

    @Test("A client certificate and key (mutual TLS) are accepted by a server that requires one")
    func mutualTLS() async throws {
        let configuration = try TestRedis.mutualTLSConfiguration()
        #expect(configuration.tls?.certificateFile != nil && configuration.tls?.privateKeyFile != nil)
        try await TestRedis.withClient(configuration) { client async throws in
            let key = TestRedis.uniqueKey("mtls")
            _ = try await client.send(["SET", key, "1", "PX", "60000"])
            #expect(try await client.send(["GET", key]).string == "1")
        }
    }

    @Test("A server that requires a client certificate refuses a client without one", arguments: [false, true])
    func mutualTLSWithoutCertificate(withPassword: Bool) async throws {
        var configuration = try TestRedis.mutualTLSConfiguration()
        configuration.tls?.certificateFile = nil
        configuration.tls?.privateKeyFile = nil
        // With a password the refusal comes during the connect's AUTH; without, on the first
        // command (in TLS 1.3 the server judges the client's certificate after the handshake).
        if withPassword { configuration.password = "unused" }
        try await TestRedis.withClient(configuration) { client async throws in
            let error = await #expect(throws: RedisError.self) { try await client.ping() }
            #expect(error?.kind == .connectionFailed)
        }
    }

    @Test("A rediss:// client to a plain Redis port fails instead of hanging")
    func plainServer() async throws {
        guard let plainURL = TestRedis.singleURL else { return }
        var configuration = try RedisConfiguration(url: plainURL)
        configuration.tls = try TestRedis.tlsConfiguration().tls
        // Redis takes the ClientHello for the start of an inline command and waits for its end:
        // the connect timeout is what ends the handshake.
        configuration.connectTimeout = .seconds(2)
        try await TestRedis.withClient(configuration) { client async throws in
            let error = await #expect(throws: RedisError.self) { try await client.ping() }
            #expect(error?.kind == .connectionFailed)
        }
    }
}
