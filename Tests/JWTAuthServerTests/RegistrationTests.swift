import HTTPTypes
import HummingbirdTesting
import JWTAuth
import JWTAuthSQL
import JWTAuthServer
import NIOCore
import Testing

/// `POST /auth/register`: 201 {id, username} | 400 | 409 | 413.
@Suite("Registration")
struct RegistrationTests {
    @Test("Registering answers 201 with the new user's id and username")
    func registers() async throws {
        try await withServer { api in
            let response = try await api.post("/auth/register", fields: ["username": "alice", "password": "correct horse battery"])
            #expect(response.status == .created)
            let body = response.object
            #expect(Set(body.keys).isSuperset(of: ["id", "username"]))
            #expect(body["username"] == "alice")
            #expect(body["id"]?.stringValue?.isEmpty == false)
            #expect(body["password"] == nil && body["password_hash"] == nil)
            #expect(!response.text.contains("correct horse battery"))
        }
    }

    @Test("A username taken in another letter case is a 409")
    func duplicateInOtherCase() async throws {
        try await withServer { api in
            try await api.register("Alice")
            for name in ["Alice", "alice", "ALICE"] {
                let response = try await api.post("/auth/register", fields: ["username": name, "password": "another password 1"])
                expectError(response, .conflict, "username_taken", "\(name)")
            }
        }
    }

    static let invalidBodies: [(String, String)] = [
        ("missing username", #"{"password":"correct horse battery"}"#),
        ("missing password", #"{"username":"bob"}"#),
        ("empty object", "{}"),
        ("empty username", #"{"username":"","password":"correct horse battery"}"#),
        ("empty password", #"{"username":"bob","password":""}"#),
        ("null username", #"{"username":null,"password":"correct horse battery"}"#),
        ("username too short", #"{"username":"ab","password":"correct horse battery"}"#),
        ("username too long", #"{"username":"\#(String(repeating: "a", count: 65))","password":"correct horse battery"}"#),
        ("username far too long", #"{"username":"\#(String(repeating: "a", count: 5000))","password":"correct horse battery"}"#),
        ("username with a space", #"{"username":"bob smith","password":"correct horse battery"}"#),
        ("username with a control character", #"{"username":"bob\u0007x","password":"correct horse battery"}"#),
        ("username with a NUL", #"{"username":"bob\u0000x","password":"correct horse battery"}"#),
        ("password too short", #"{"username":"bob","password":"short"}"#),
        ("password over 72 bytes", #"{"username":"bob","password":"\#(String(repeating: "p", count: 73))"}"#),
        ("password with a NUL", #"{"username":"bob","password":"correct\u0000horse battery"}"#),
        ("numeric username", #"{"username":123,"password":"correct horse battery"}"#),
        ("boolean password", #"{"username":"bob","password":true}"#),
        ("object password", #"{"username":"bob","password":{"a":"b"}}"#),
        ("array username", #"{"username":["bob"],"password":"correct horse battery"}"#),
        ("duplicate members", #"{"username":"bob","username":"eve","password":"correct horse battery"}"#),
        ("a JSON array", #"[{"username":"bob","password":"correct horse battery"}]"#),
        ("a JSON string", #""bob""#),
        ("JSON null", "null"),
        ("not JSON", "username=bob&password=correct+horse+battery&"),
        ("truncated JSON", #"{"username":"bob","password":"correct"#),
        ("trailing garbage", #"{"username":"bob","password":"correct horse battery"} x"#),
        ("a lone surrogate", #"{"username":"bob\ud800","password":"correct horse battery"}"#),
        ("an empty body", ""),
    ]

    @Test("Missing, short, long, invalid and non-string fields and non-object bodies are a 400", arguments: invalidBodies)
    func invalidInput(name: String, body: String) async throws {
        try await ServerFixture.with { fixture in
            try await fixture.run { api in
                let response = try await api.post("/auth/register", json: body)
                expectError(response, .badRequest, "invalid_request", "\(name)")
            }
            // Nothing was created, under any name.
            let store = try await SQLStore.sqlite(path: fixture.configuration.dataDirectory + "/jwtauth.sqlite")
            let count = try await store.userCount()
            try await store.close()
            #expect(count == 0, "\(name)")
        }
    }

    @Test("Invalid UTF-8 in a JSON body is a 400")
    func invalidUTF8() async throws {
        try await withServer { api in
            var body = ByteBuffer(string: #"{"username":"bob"#)
            body.writeBytes([0xC3, 0x28, 0xFF])
            body.writeString(#"","password":"correct horse battery"}"#)
            let response = try await api.request(.post, "/auth/register", headers: [.contentType: "application/json"], body: body)
            expectError(response, .badRequest, "invalid_request")
        }
    }

    @Test("A body over 64 KiB is a 413, one of exactly 64 KiB is read")
    func bodySizeLimit() async throws {
        try await withServer { api in
            let huge = try await api.post("/auth/register", json: #"{"username":"bob","password":""# + String(repeating: "x", count: 1 << 20) + #""}"#)
            expectError(huge, .contentTooLarge, nil, "1 MiB")

            let valid = #"{"username":"carol","password":"correct horse battery"}"#
            let padding = 64 * 1024 - valid.utf8.count
            let exact = try await api.post("/auth/register", json: valid + String(repeating: " ", count: padding))
            #expect(exact.status == .created, "64 KiB: \(exact.status) \(exact.text)")
            let over = try await api.post("/auth/register", json: valid + String(repeating: " ", count: padding + 1))
            expectError(over, .contentTooLarge, nil, "64 KiB + 1")
        }
    }

    @Test("A registered user can log in with the password and not with another")
    func registeredUserCanLogIn() async throws {
        try await withServer { api in
            let id = try await api.register("dave", "dave's long password")
            let tokens = try await api.login("dave", "dave's long password")
            #expect(JWTParts(tokens.access)?.payload["sub"]?.stringValue == id)
            let wrong = try await api.loginResponse("dave", "dave's long passwore")
            expectError(wrong, .unauthorized, "invalid_credentials")
        }
    }

    @Test("Registrations are limited per client address, taken or not; logins and other addresses are not affected (live socket)")
    func limitPerAddress() async throws {
        try await withServer(.live, configure: { $0.registrationLimit = .init(attempts: 3, window: .seconds(3600)) }) { api in
            try await api.register("alice")
            // A taken name counts too: 409s are how names are probed.
            expectError(try await api.post("/auth/register", fields: ["username": "alice", "password": "another password"]), .conflict, "username_taken")
            try await api.register("bob")
            let limited = try await api.post("/auth/register", fields: ["username": "carol", "password": "correct horse battery"])
            expectError(limited, .tooManyRequests, "rate_limited")
            let retryAfter = try #require(limited.headers[.retryAfter].flatMap { Int($0) })
            #expect((3500...3600).contains(retryAfter), "the first attempt ages out in about an hour: \(retryAfter)")
            // Bad input costs no hash and does not count, and is still reported as such.
            expectError(try await api.post("/auth/register", fields: ["username": "dave", "password": "short"]), .badRequest, "invalid_request")
            #expect(try await api.loginResponse("alice", "correct horse battery").status == .ok, "logins are not limited by it")
            // An hour later the address may register again.
            api.clock.advance(by: .seconds(3601))
            try await api.register("carol")
        }
    }

    @Test("--register-limit is validated: at least one attempt in a positive window")
    func limitValidation() {
        var configuration = ServerConfiguration()
        configuration.registrationLimit = .init(attempts: 0, window: .seconds(60))
        #expect(throws: JWTAuthError.self) { try configuration.validate() }
    }
}
