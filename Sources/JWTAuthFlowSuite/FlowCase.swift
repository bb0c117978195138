/// One named flow of the HTTP contract, run against a fresh server by each framework's tests.
public struct FlowCase: Sendable, CustomStringConvertible {
    /// What the case checks, as a sentence (it names the test).
    public let name: String
    /// The flow; throws a ``FlowFailure`` when the server answers otherwise.
    public let run: @Sendable (FlowClient) async throws -> Void

    /// Creates a case.
    public init(_ name: String, run: @escaping @Sendable (FlowClient) async throws -> Void) {
        self.name = name
        self.run = run
    }

    public var description: String { self.name }
}
