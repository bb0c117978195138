// URLSession lives in FoundationNetworking on Linux and in Foundation on Apple platforms.
#if canImport(FoundationNetworking)
import Foundation
import FoundationNetworking
#else
import Foundation
#endif

/// Owns a session the transport created: a session retains its delegate until invalidated,
/// so one that is never invalidated would leak.
final class SessionOwner: Sendable {
    let session: URLSession
    private let invalidatesOnDeinit: Bool

    init(session: URLSession, invalidatesOnDeinit: Bool) {
        self.session = session
        self.invalidatesOnDeinit = invalidatesOnDeinit
    }

    deinit {
        if self.invalidatesOnDeinit { self.session.finishTasksAndInvalidate() }
    }
}
