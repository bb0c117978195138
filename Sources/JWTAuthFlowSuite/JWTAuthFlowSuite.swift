/// The token server's HTTP contract as black-box flows: registration, login, refresh rotation
/// and reuse detection, logout, sessions, password change, admin revocation, the OAuth
/// endpoints, key discovery and the error shapes.
///
/// A framework integration's tests run every case against its own mounting of the routes: a
/// parameterized test over ``cases`` that builds a fresh app per case, adapts its in-process
/// client to ``FlowTransport`` and calls ``FlowCase/run`` with a ``FlowClient``
/// (`Tests/JWTAuthServerTests/FlowSuiteTests.swift` for Hummingbird,
/// `Integrations/VaporJWTAuth/Tests/VaporJWTAuthTests/FlowSuiteTests.swift` for Vapor).
///
/// The cases need a fresh server (or at least one they share with nothing but each other:
/// every case makes its own accounts) with open registration, the default `/auth/*` paths and
/// an account holding the `admin` role, and never wait for time to pass.
public enum JWTAuthFlowSuite {
    /// Every case, in a stable order.
    public static let cases: [FlowCase] =
        Self.accountCases + Self.refreshCases + Self.sessionCases + Self.adminCases + Self.oauthCases + Self.discoveryCases
        + Self.errorCases
}
