import Testing

@testable import JWTAuth

@Suite("Trusted proxies and client addresses")
struct TrustedProxiesTests {
    @Test(
        "Entries that are not addresses or networks are refused",
        arguments: ["", "10.0.0", "10.0.0.0/33", "10.0.0.0/", "::1/129", "example.com", "10.0.0.0/8/8", "1.2.3.4/-1"]
    )
    func refusedEntries(_ entry: String) {
        let error = #expect(throws: JWTAuthError.self) { try TrustedProxies([entry]) }
        #expect(error?.code == .invalidInput)
    }

    @Test("The client is the rightmost address a trusted proxy did not add")
    func clientAddress() throws {
        let proxies = try TrustedProxies(["10.0.0.0/8", "fd00::/8", "192.0.2.1"])
        // The peer is not a proxy: the header is the client's own words and is ignored.
        #expect(proxies.clientAddress(peer: "203.0.113.5", forwardedFor: ["1.1.1.1"]) == "203.0.113.5")
        // No proxies configured: likewise.
        #expect(TrustedProxies.none.clientAddress(peer: "10.0.0.1", forwardedFor: ["1.1.1.1"]) == "10.0.0.1")
        // Through two proxies; the leftmost entry is the client's own claim and is not believed.
        #expect(proxies.clientAddress(peer: "10.0.0.1", forwardedFor: ["6.6.6.6, 203.0.113.5, 10.1.2.3"]) == "203.0.113.5")
        #expect(proxies.clientAddress(peer: "192.0.2.1", forwardedFor: ["6.6.6.6", "203.0.113.5"]) == "203.0.113.5")
        #expect(proxies.clientAddress(peer: "fd12::1", forwardedFor: ["2001:db8::7"]) == "2001:db8::7")
        #expect(proxies.clientAddress(peer: "::ffff:10.0.0.1", forwardedFor: [" 203.0.113.5 "]) == "203.0.113.5")
        // Every hop trusted: the leftmost one. No header: the proxy itself.
        #expect(proxies.clientAddress(peer: "10.0.0.1", forwardedFor: ["10.9.9.9, 10.0.0.2"]) == "10.9.9.9")
        #expect(proxies.clientAddress(peer: "10.0.0.1", forwardedFor: []) == "10.0.0.1")
        // A malformed hop ends the walk at the last trusted one.
        #expect(proxies.clientAddress(peer: "10.0.0.1", forwardedFor: ["203.0.113.5, junk"]) == "10.0.0.1")
        #expect(proxies.clientAddress(peer: "10.0.0.1", forwardedFor: ["junk, 203.0.113.5"]) == "203.0.113.5")
        #expect(!proxies.contains("11.0.0.1") && proxies.contains("10.255.255.255") && !proxies.contains("fe00::1"))
    }

    @Test("The per-address limit counts an IPv6 client by its /64, and each spelling of an address the same")
    func ipv6Buckets() async throws {
        #expect(IPAddress.rateLimitKey("2001:db8:1:2:aaaa::1") == IPAddress.rateLimitKey("2001:0db8:0001:0002:ffff:ffff:ffff:ffff"))
        #expect(IPAddress.rateLimitKey("2001:db8:1:2::1") != IPAddress.rateLimitKey("2001:db8:1:3::1"))
        #expect(IPAddress.rateLimitKey("::ffff:192.0.2.7") == "192.0.2.7")
        #expect(IPAddress.rateLimitKey("192.0.2.7") == "192.0.2.7")

        let limiter = LoginRateLimiter(perUsername: .init(attempts: 100, window: .seconds(900)), perAddress: .init(attempts: 2, window: .seconds(900)))
        let now = NumericDate(1_800_000_000)
        for suffix in ["1", "2"] {
            let attempt = try await limiter.begin(username: "user\(suffix)", address: "2001:db8:1:2::\(suffix)", now: now)
            try await limiter.finish(attempt, failed: true, now: now)
        }
        let error = await #expect(throws: JWTAuthError.self) { try await limiter.begin(username: "user3", address: "2001:db8:1:2:ffff::3", now: now) }
        #expect(error?.code == .rateLimited)
        let elsewhere = try await limiter.begin(username: "user4", address: "2001:db8:1:3::1", now: now)
        try await limiter.finish(elsewhere, failed: false, now: now)
    }
}
