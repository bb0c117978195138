import Testing

/// Waits until `condition` holds, checking every 10 ms for at most `limit`: for things that
/// happen on another task (a service's fetch, a reconnect). Fails the test when it never does.
func eventually(
    _ what: String,
    limit: Duration = .seconds(15),
    sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + limit
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(10))
    }
    Issue.record("never happened: \(what)", sourceLocation: sourceLocation)
    throw Timeout(what: what)
}

/// Thrown by ``eventually(_:limit:sourceLocation:_:)``.
struct Timeout: Error, CustomStringConvertible {
    let what: String
    var description: String { "never happened: \(self.what)" }
}
