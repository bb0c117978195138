import Foundation
import Testing

@testable import JWTAuthRESP

/// `rediss://` URLs and the TLS files they name; no server needed (the bad URLs are in
/// `RedisConfigurationTests.badURLs`).
@Suite("Redis TLS settings")
struct RedisTLSConfigurationTests {
    static let secret = "hunter2-Secret"

    @Test("rediss:// alone means TLS with the system's roots and full verification")
    func bare() throws {
        let configuration = try RedisConfiguration(url: "rediss://cache.internal")
        #expect(configuration.tls == RedisTLSConfiguration())
        #expect(configuration.tls?.verification == .full)
        #expect(configuration.tls?.certificateAuthorityFile == nil)
        #expect(configuration.endpoints.map(\.port) == [6379])
        #expect(try RedisConfiguration(url: "redis://cache.internal").tls == nil)
    }

    @Test("Every TLS option is read, and file paths are percent-decoded")
    func options() throws {
        let configuration = try RedisConfiguration(
            url: "rediss://app:\(Self.secret)@10.1.2.3:6380/3?ca=/etc/redis/ca.pem&cert=/run/credentials/jwtauth%40a.service/client.pem"
                + "&key=/etc/my%20keys/client.key&verify=ca&pool=2"
        )
        #expect(!configuration.isCluster)
        #expect(configuration.database == 3)
        #expect(configuration.poolSize == 2)
        #expect(configuration.password == Self.secret)
        #expect(
            configuration.tls
                == RedisTLSConfiguration(
                    certificateAuthorityFile: "/etc/redis/ca.pem",
                    certificateFile: "/run/credentials/jwtauth@a.service/client.pem",
                    privateKeyFile: "/etc/my keys/client.key",
                    verification: .ca
                )
        )
        #expect(try RedisConfiguration(url: "rediss://h?verify=full").tls?.verification == .full)
    }

    @Test("rediss+cluster:// reads the seed list with the same TLS options for every node")
    func cluster() throws {
        let configuration = try RedisConfiguration(url: "rediss+cluster://127.0.0.1:7001,[::1]:7002,cache-3:7003?ca=/ca.pem")
        #expect(configuration.isCluster)
        #expect(configuration.endpoints.map(\.host) == ["127.0.0.1", "::1", "cache-3"])
        #expect(configuration.tls?.certificateAuthorityFile == "/ca.pem")
        #expect(try RedisConfiguration(url: "redis+cluster://127.0.0.1:7001").tls == nil)
    }

    @Test("The description shows the TLS options (paths, never contents) and reads back as the same configuration")
    func description() throws {
        let url = "rediss://app:\(Self.secret)@127.0.0.1:6380/2?ca=/etc/redis/ca.pem&cert=/etc/my%20keys/c.pem&key=/etc/my%20keys/c.key"
        let configuration = try RedisConfiguration(url: url)
        #expect(
            configuration.description
                == "rediss://app:***@127.0.0.1:6380/2?protocol=2&connect_timeout=2s&command_timeout=2s&pool=4"
                + "&ca=/etc/redis/ca.pem&cert=/etc/my%20keys/c.pem&key=/etc/my%20keys/c.key&verify=full"
        )
        #expect(try RedisConfiguration(url: configuration.description).tls == configuration.tls)
        var dumped = ""
        dump(configuration, to: &dumped)
        #expect(!dumped.contains(Self.secret))
        #expect(dumped.contains("/etc/redis/ca.pem"))
        let cluster = try RedisConfiguration(url: "rediss+cluster://a:1,b:2?verify=ca")
        #expect(cluster.description.hasPrefix("rediss+cluster://a:1,b:2?"))
        #expect(cluster.description.hasSuffix("&verify=ca"))
    }

    // MARK: - Files

    @Test("A missing or non-PEM file is named in the error when the client is made")
    func badFiles() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let notPEM = directory + "/not-pem.pem"
        try Data("not a certificate".utf8).write(to: URL(fileURLWithPath: notPEM))
        let cases: [(RedisTLSConfiguration, String)] = [
            (RedisTLSConfiguration(certificateAuthorityFile: directory + "/missing.pem"), "ca=\(directory)/missing.pem"),
            (RedisTLSConfiguration(certificateAuthorityFile: notPEM), "ca=\(notPEM)"),
            (RedisTLSConfiguration(certificateFile: directory + "/missing.pem", privateKeyFile: notPEM), "cert=\(directory)/missing.pem"),
            (RedisTLSConfiguration(certificateFile: notPEM, privateKeyFile: notPEM), "cert=\(notPEM)"),
            (RedisTLSConfiguration(certificateFile: notPEM), "cert and key go together"),
        ]
        for (tls, complaint) in cases {
            let error = #expect(throws: RedisError.self) { try RedisClient(configuration: RedisConfiguration(tls: tls), logger: TestRedis.logger) }
            #expect(error?.kind == .invalidConfiguration)
            #expect(error?.message.contains(complaint) == true, "\(String(describing: error))")
        }
    }

    @Test("A key file that cannot be used is named, and nothing of its contents is repeated")
    func badKey() throws {
        guard let certificate = ProcessInfo.processInfo.environment["JWTAUTH_TEST_TLS_CLIENT_CERT"] else {
            // Needs a real certificate so the key is what fails; the test script makes one.
            return
        }
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let key = directory + "/client.key"
        let pem = "-----BEGIN PRIVATE KEY-----\n\(Self.secret)\n-----END PRIVATE KEY-----\n"
        try Data(pem.utf8).write(to: URL(fileURLWithPath: key))
        let tls = RedisTLSConfiguration(certificateFile: certificate, privateKeyFile: key)
        let error = #expect(throws: RedisError.self) { try RedisClient(configuration: RedisConfiguration(tls: tls), logger: TestRedis.logger) }
        #expect(error?.kind == .invalidConfiguration)
        #expect(error?.message.contains("key=\(key)") == true, "\(String(describing: error))")
        #expect(!"\(String(describing: error))".contains(Self.secret))
    }

    @Test("A key that does not belong to the certificate is refused when the client is made")
    func mismatchedKey() throws {
        let environment = ProcessInfo.processInfo.environment
        guard let certificate = environment["JWTAUTH_TEST_TLS_CLIENT_CERT"], let ca = environment["JWTAUTH_TEST_TLS_CA"] else { return }
        // The test PKI keeps the CA's key beside its certificate: a valid key, of another certificate.
        let otherKey = (ca as NSString).deletingPathExtension + ".key"
        guard FileManager.default.fileExists(atPath: otherKey) else { return }
        let tls = RedisTLSConfiguration(certificateFile: certificate, privateKeyFile: otherKey)
        let error = #expect(throws: RedisError.self) { try RedisClient(configuration: RedisConfiguration(tls: tls), logger: TestRedis.logger) }
        #expect(error?.kind == .invalidConfiguration)
        #expect(error?.message.contains("does the key belong to the certificate?") == true, "\(String(describing: error))")
    }

    @Test("The run's CA, client certificate and key make a client")
    func goodFiles() throws {
        let environment = ProcessInfo.processInfo.environment
        guard let ca = environment["JWTAUTH_TEST_TLS_CA"], let certificate = environment["JWTAUTH_TEST_TLS_CLIENT_CERT"],
            let key = environment["JWTAUTH_TEST_TLS_CLIENT_KEY"]
        else { return }
        let tls = RedisTLSConfiguration(certificateAuthorityFile: ca, certificateFile: certificate, privateKeyFile: key)
        #expect(throws: Never.self) { _ = try tls.makeContext() }
    }

    static func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "jwtauth-redis-tls-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        return path
    }
}
