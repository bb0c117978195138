import HTTPTypes
import HummingbirdTesting
import InMemoryTracing
import Instrumentation
import JWTAuth
import JWTAuthServer
import Testing
import Tracing

/// The process's tracer in this test run: bootstrapping is once per process, and other tests'
/// requests are recorded too, so each test follows a trace id of its own.
enum TestTracer {
    static let shared: InMemoryTracer = {
        let tracer = InMemoryTracer(recordInjections: false, recordExtractions: false)
        InstrumentationSystem.bootstrap(tracer)
        return tracer
    }()
}

@Suite("Tracing")
struct TracingTests {
    @Test("A request is a server span named after its route, continuing the caller's trace; its store calls are client spans inside it")
    func requestAndStoreSpans() async throws {
        let tracer = TestTracer.shared
        let traceID = "trace-\(UInt64.random(in: 1...UInt64.max))"
        try await withServer { api in
            var headers: HTTPFields = [:]
            headers[HTTPField.Name(InMemoryTracer.traceIDKey)!] = traceID
            headers[HTTPField.Name(InMemoryTracer.spanIDKey)!] = "caller"
            let response = try await api.post("/auth/login", fields: ["username": Admin.username, "password": Admin.password], headers: headers)
            #expect(response.status == .ok)
        }
        let spans = tracer.finishedSpans.filter { $0.traceID == traceID }
        let server = try #require(spans.first { $0.kind == .server }, "\(spans.map(\.operationName))")
        #expect(server.operationName == "POST /auth/login")
        #expect(server.parentSpanID == "caller")
        #expect(server.attributes["http.route"]?.toSpanAttribute() == .string("/auth/login"))
        #expect(server.attributes["http.response.status_code"]?.toSpanAttribute() == .int64(200))
        let lookUp = try #require(spans.first { $0.operationName == "store.user_by_username" }, "\(spans.map(\.operationName))")
        #expect(lookUp.kind == .client)
        #expect(lookUp.parentSpanID == server.spanID)
        #expect(lookUp.attributes["db.system"]?.toSpanAttribute() == .string("sqlite"))
        #expect(spans.contains { $0.operationName == "store.create_session" && $0.parentSpanID == server.spanID })
        // Nothing the client sent is in a span: not the username, not the password.
        for span in spans {
            let text = "\(span.operationName) \(span.attributes)"
            #expect(!text.contains(Admin.username) && !text.contains(Admin.password), "\(text)")
        }
    }
}
