/// The `operation` label of the store metrics: one value per store protocol requirement.
public enum StoreOperation: String, Sendable, CaseIterable {
    case createSession = "create_session"
    case session
    case activeSessions = "active_sessions"
    case rotate
    case revokeSession = "revoke_session"
    case revokeUser = "revoke_user"
    case revocations
    case purgeExpired = "purge_expired"
    case checkHealth = "check_health"
    case createUser = "create_user"
    case userByID = "user_by_id"
    case userByUsername = "user_by_username"
    case updateUser = "update_user"
    case userCount = "user_count"
    case users
    case removeUser = "remove_user"
    case createClient = "create_client"
    case client
    case clients
    case removeClient = "remove_client"
    case appendAuditEvents = "append_audit_events"
    case auditEvents = "audit_events"
    case pruneAuditEvents = "prune_audit_events"
    case signingKeys = "signing_keys"
    case updateSigningKeys = "update_signing_keys"
    case beginLoginAttempt = "begin_login_attempt"
    case finishLoginAttempt = "finish_login_attempt"

    /// The span's name: `store.` and the operation.
    var spanName: String { "store.\(self.rawValue)" }
}
