import JWTAuth
import Testing

@testable import JWTAuthSQL

@Suite("PostgreSQL URLs")
struct PostgresURLTests {
    @Test("Parts, defaults, percent escapes, IPv6 and sslmode")
    func parsing() throws {
        let full = try PostgresURL("postgres://app%40corp:p%3Ass%2Fw@db.internal:6543/auth%20db?sslmode=require&application_name=x")
        #expect(full.username == "app@corp" && full.password == "p:ss/w")
        #expect(full.host == "db.internal" && full.port == 6543 && full.database == "auth db" && full.tls == .require)

        let minimal = try PostgresURL("postgresql://localhost")
        #expect(minimal.username == "postgres" && minimal.password == nil && minimal.port == 5432 && minimal.database == nil && minimal.tls == .prefer)

        let v6 = try PostgresURL("postgres://u@[::1]:5433/d?sslmode=disable")
        #expect(v6.host == "::1" && v6.port == 5433 && v6.username == "u" && v6.tls == .disable)
        // An "@" in the password: the last one separates the credentials.
        #expect(try PostgresURL("postgres://u:a@b@h/d").password == "a@b")
    }

    @Test(
        "Bad URLs are refused with invalid_input",
        arguments: [
            "mysql://h/d", "postgres://", "postgres://:5432/d", "postgres://h:0/d", "postgres://h:65536/d", "postgres://h:port/d",
            "postgres://[::1]:x/d", "postgres://h/d?sslmode=verify", "postgres://u:%zz@h/d", "postgres://h/%ff",
            "postgres://h/d?sslmode=disable&sslrootcert=/ca.pem",
        ]
    )
    func refused(_ url: String) {
        let error = #expect(throws: JWTAuthError.self) { try PostgresURL(url) }
        #expect(error?.code == .invalidInput)
        #expect(!(error?.message.contains("%zz") ?? false))
    }

    @Test("sslmode as libpq: verify-ca and verify-full, sslrootcert, and require with a root certificate checks the chain")
    func tlsModes() throws {
        #expect(try PostgresURL("postgres://h/d?sslmode=verify-ca").tls == .verifyCA)
        let full = try PostgresURL("postgres://h/d?sslmode=verify-full&sslrootcert=/etc/ca%20dir/root.pem")
        #expect(full.tls == .verifyFull && full.rootCertificateFile == "/etc/ca dir/root.pem")
        #expect(try PostgresURL("postgres://h/d?sslmode=require&sslrootcert=/ca.pem").tls == .verifyCA)
        #expect(try PostgresURL("postgres://h/d?sslmode=require").tls == .require)
        #expect(try PostgresURL("postgres://h/d?sslrootcert=/ca.pem").tls == .prefer, "prefer stays prefer, as libpq")
        #expect(try PostgresURL("postgres://h/d?sslmode=verify-full").description.hasSuffix("?sslmode=verify-full"))
    }

    @Test("A root certificate file that cannot be read is a configuration error, before any connection")
    func unreadableRootCertificate() async throws {
        let error = await #expect(throws: JWTAuthError.self) {
            try await SQLStore.postgres(url: "postgres://127.0.0.1:1/d?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem")
        }
        #expect(error?.code == .invalidInput)
    }

    @Test("The password never appears in a description")
    func redaction() throws {
        let url = try PostgresURL("postgres://app:hunter2-secret@db:5432/auth")
        #expect(!url.description.contains("hunter2"))
        #expect(!"\(url)".contains("hunter2") && url.description.contains("app"))
    }
}
