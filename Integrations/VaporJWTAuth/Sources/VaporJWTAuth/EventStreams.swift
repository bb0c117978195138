import JWTAuthHTTP
import Synchronization

/// The revocation-feed streams open right now, so that an app shutting down can end them at
/// once (each would otherwise hold the server open until its reader went away).
final class EventStreams: Sendable {
    private struct State {
        var open: [ObjectIdentifier: AuthEventStream] = [:]
        var isShutDown = false
    }

    private let state = Mutex(State())

    /// Records a stream; a stream opened after shutdown is ended at once.
    func insert(_ stream: AuthEventStream) {
        let accepted = self.state.withLock { state in
            guard !state.isShutDown else { return false }
            state.open[ObjectIdentifier(stream)] = stream
            return true
        }
        if !accepted { stream.shutdown() }
    }

    /// Forgets a stream that ended.
    func remove(_ stream: AuthEventStream) {
        _ = self.state.withLock { $0.open.removeValue(forKey: ObjectIdentifier(stream)) }
    }

    /// Ends every open stream, and every later one as it opens.
    func shutdown() {
        let open = self.state.withLock { state in
            state.isShutDown = true
            defer { state.open.removeAll() }
            return Array(state.open.values)
        }
        for stream in open { stream.shutdown() }
    }
}
