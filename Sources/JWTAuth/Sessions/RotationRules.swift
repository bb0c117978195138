/// The refresh compare-and-rotate decision (see ``SessionStore/rotate(_:)``), for stores that evaluate it in Swift inside
/// their own critical section (memory: a lock; SQL: a conditional UPDATE). The Redis store
/// implements the same rules in its Lua script.
package enum RotationRules {
    package enum Decision: Equatable {
        case rotate(SessionRecord)
        case reissue
        case reuse
        case reject(RotationRejection)
    }

    package static func decide(_ session: SessionRecord?, _ request: RotationRequest) -> Decision {
        guard let session, session.userID == request.userID else { return .reject(.unknownSession) }
        guard session.revokedAt == nil else { return .reject(.revoked) }
        let now = request.now
        guard now < session.expiresAt, now < session.refreshExpiresAt else { return .reject(.expired) }
        if session.currentTokenID == request.presentedTokenID {
            return .rotate(rotated(session, request))
        }
        if session.previousTokenID == request.presentedTokenID,
            request.reuseInterval > .zero,
            now.secondsSinceEpoch - session.rotatedAt.secondsSinceEpoch <= request.reuseInterval.seconds
        {
            return .reissue
        }
        return .reuse
    }

    /// The session after a successful rotation.
    package static func rotated(_ session: SessionRecord, _ request: RotationRequest) -> SessionRecord {
        var next = session
        next.previousTokenID = session.currentTokenID
        next.currentTokenID = request.newTokenID
        next.rotatedAt = NumericDate(request.now.wholeSeconds)
        next.lastUsedAt = request.now
        next.refreshExpiresAt = min(NumericDate(request.now.wholeSeconds) + request.refreshLifetime, session.expiresAt)
        return next
    }
}
