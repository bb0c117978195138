/// A flow case's expectation that did not hold.
public struct FlowFailure: Error, Sendable, CustomStringConvertible {
    /// What was expected and what came instead.
    public var description: String

    /// Creates a failure with its message.
    public init(_ description: String) {
        self.description = description
    }
}
