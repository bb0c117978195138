import Foundation
import Testing

@testable import JWTAuthRESP

@Suite("Redis URLs")
struct RedisConfigurationTests {
    static let secret = "hunter2-Secret"

    @Test("A bare URL takes the defaults")
    func defaults() throws {
        let configuration = try RedisConfiguration(url: "redis://cache.internal")
        #expect(configuration.endpoints.map(\.host) == ["cache.internal"])
        #expect(configuration.endpoints.map(\.port) == [6379])
        #expect(!configuration.isCluster)
        #expect(configuration.username == nil && configuration.password == nil)
        #expect(configuration.database == 0)
        #expect(configuration.protocolVersion == 2)
        #expect(configuration.connectTimeout == .seconds(2))
        #expect(configuration.commandTimeout == .seconds(2))
        #expect((2...4).contains(configuration.poolSize))
    }

    @Test("Every part of a full URL is read")
    func fullURL() throws {
        let configuration = try RedisConfiguration(
            url: "redis://app:\(Self.secret)@10.1.2.3:6380/3?protocol=3&connect_timeout=1.5s&command_timeout=250ms&pool=8"
        )
        #expect(configuration.endpoints.map(\.host) == ["10.1.2.3"])
        #expect(configuration.endpoints.map(\.port) == [6380])
        #expect(configuration.username == "app")
        #expect(configuration.password == Self.secret)
        #expect(configuration.database == 3)
        #expect(configuration.protocolVersion == 3)
        #expect(configuration.connectTimeout == .milliseconds(1500))
        #expect(configuration.commandTimeout == .milliseconds(250))
        #expect(configuration.poolSize == 8)
    }

    @Test("A password alone is the requirepass form; percent-encoding and a raw @ in it are understood")
    func passwords() throws {
        let plain = try RedisConfiguration(url: "redis://:\(Self.secret)@localhost")
        #expect(plain.username == nil)
        #expect(plain.password == Self.secret)
        let encoded = try RedisConfiguration(url: "redis://user:p%40ss%3Aw%2Frd@localhost:1234")
        #expect(encoded.password == "p@ss:w/rd")
        let raw = try RedisConfiguration(url: "redis://user:p@ss@localhost:1234")
        #expect(raw.password == "p@ss")
        #expect(raw.endpoints.map(\.port) == [1234])
    }

    @Test("IPv6 literals and cluster seed lists are read")
    func hosts() throws {
        let six = try RedisConfiguration(url: "redis://[::1]:6380")
        #expect(six.endpoints.map(\.host) == ["::1"])
        #expect(six.endpoints.map(\.port) == [6380])
        let cluster = try RedisConfiguration(url: "redis+cluster://u:\(Self.secret)@127.0.0.1:7001,127.0.0.1:7002,[::1]:7003?pool=2")
        #expect(cluster.isCluster)
        #expect(cluster.endpoints.map(\.port) == [7001, 7002, 7003])
        #expect(cluster.poolSize == 2)
        #expect(try RedisConfiguration(url: "redis+cluster://127.0.0.1:7001/0").database == 0)
    }

    static let badURLs: [(url: String, complaint: String)] = [
        ("http://localhost", "starts with redis://"),
        ("redis://", "host is empty"),
        ("redis://localhost:0", "port"),
        ("redis://localhost:\(secret)", "port"),
        ("redis://user:pw@localhost:99999", "port"),
        ("redis://a:1,b:2", "redis+cluster://"),
        ("redis://localhost/x", "database"),
        ("redis://localhost/-1", "database"),
        ("redis+cluster://a:1,b:2/1", "only database 0"),
        ("redis://localhost?protocol=4", "protocol must be 2 or 3"),
        ("redis://localhost?pool=0", "pool must be"),
        ("redis://localhost?pool=65", "pool must be"),
        ("redis://localhost?command_timeout=2", "needs a unit"),
        ("redis://localhost?connect_timeout=-1s", "positive duration"),
        ("redis://localhost?password=\(secret)", "'password' is not a Redis URL option"),
        ("redis://localhost?\(secret)=1", "is not a Redis URL option"),
        ("redis://app@localhost", "needs a password"),
        ("redis://app:%zz\(secret)@localhost", "password is not valid percent-encoding"),
        ("redis://bad host:\(secret)@x y", "host"),
        ("redis://[::1:6379", "closing ]"),
        ("redis://a:\(secret)", "port"),
        ("redis://localhost?ca=/etc/ca.pem", "ca is a TLS option: use rediss://"),
        ("redis+cluster://a:1?cert=/c.pem&key=/k.pem", "cert is a TLS option"),
        ("rediss://localhost?cert=/c.pem", "cert and key go together"),
        ("rediss://localhost?ca=/ca.pem&key=/k.pem", "cert and key go together"),
        ("rediss+cluster://a:1,b:2?cert=/c.pem", "cert and key go together"),
        ("rediss://localhost?verify=none", "verify must be full"),
        ("rediss://localhost?verify=", "verify must be full"),
        ("rediss://localhost?ca=", "ca needs a file path"),
        ("rediss://localhost?key", "key needs a file path"),
        ("rediss://localhost?ca=%zz", "ca needs a file path"),
        ("rediss://localhost?sslmode=verify-full", "'sslmode' is not a Redis URL option"),
        ("rediss://localhost?ca=/ca.pem&insecure=1", "'insecure' is not a Redis URL option"),
        ("rediss://a:1,b:2", "rediss+cluster://"),
        ("rediss+cluster://a:1,b:2/1", "only database 0"),
        ("rediss://user@localhost?ca=/ca.pem", "needs a password"),
    ]

    @Test("Bad URLs are refused with a clear message that never repeats the password", arguments: badURLs.indices)
    func badURL(_ index: Int) {
        let (url, complaint) = Self.badURLs[index]
        do {
            let configuration = try RedisConfiguration(url: url)
            Issue.record("accepted \(configuration)")
        } catch {
            #expect(error.kind == .invalidConfiguration)
            #expect(error.message.contains(complaint), "\(error.message)")
            #expect(!"\(error)".contains(Self.secret))
            #expect(!String(reflecting: error).contains(Self.secret))
            #expect(!error.message.contains(Self.secret))
        }
    }

    @Test("The description, debug description and mirror hide the password")
    func redaction() throws {
        let configuration = try RedisConfiguration(url: "redis://app:\(Self.secret)@127.0.0.1:6380/2?protocol=3&command_timeout=250ms")
        #expect(configuration.description == "redis://app:***@127.0.0.1:6380/2?protocol=3&connect_timeout=2s&command_timeout=250ms&pool=4")
        #expect(!String(reflecting: configuration).contains(Self.secret))
        var dumped = ""
        dump(configuration, to: &dumped)
        #expect(!dumped.contains(Self.secret))
        #expect(dumped.contains("***"))
        let passwordOnly = try RedisConfiguration(url: "redis://:\(Self.secret)@h")
        #expect(passwordOnly.description.hasPrefix("redis://:***@h:6379"))
        // A description is itself a valid URL (with the password masked).
        #expect(try RedisConfiguration(url: configuration.description).commandTimeout == .milliseconds(250))
    }

    @Test("Reconnect delays double from 50 ms up to 2 s")
    func backoff() {
        let configuration = RedisConfiguration()
        let delays = (1...10).map { configuration.reconnectDelay(afterFailures: $0) }
        #expect(
            delays.prefix(7) == [
                .milliseconds(50), .milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800), .milliseconds(1600), .seconds(2),
            ]
        )
        #expect(delays.suffix(3).allSatisfy { $0 == .seconds(2) })
        #expect(configuration.reconnectDelay(afterFailures: 1_000_000) == .seconds(2))
        #expect(configuration.reconnectDelay(afterFailures: 0) == .zero)
    }

    @Test("A script's SHA-1 is the one Redis computes")
    func scriptDigest() {
        // redis-cli SCRIPT LOAD "return 1"
        #expect(RedisScript(source: "return 1").sha1 == "e0e1f9fabfc9d4800c877a703b823ac0578ff8db")
    }
}
