import JWTAuthFlowSuite
import Testing
import VaporTesting

/// The token server's HTTP flows, shared with the Hummingbird server's tests, against the
/// routes mounted in a Vapor app.
@Suite("HTTP flows on the Vapor-mounted routes")
struct FlowSuiteTests {
    @Test("Flow", arguments: JWTAuthFlowSuite.cases)
    func flow(_ flow: FlowCase) async throws {
        try await TestApp.withLocalApp { app in
            let client = FlowClient(transport: VaporFlowTransport(tester: try app.testing()), admin: TestApp.admin)
            try await flow.run(client)
        }
    }
}
