public import JWTAuth
public import Logging

/// Registers a machine client in the configured store (`jwtauth clients add`).
///
/// - Returns: The new client and its secret, which is stored only as a hash: show it once.
/// - Throws: `invalid_input` for an unacceptable name or scope, `store_unavailable`.
public func addClient(
    configuration: ServerConfiguration,
    name: String,
    scopes: [String],
    logger: Logger,
    clock: any UnixClock = SystemClock()
) async throws -> (client: ClientRecord, secret: String) {
    try await withClientManager(configuration, logger: logger, clock: clock) { clients in
        try await clients.register(name: name, scopes: scopes)
    }
}

/// The machine clients in the configured store, oldest first (`jwtauth clients list`).
public func listClients(configuration: ServerConfiguration, logger: Logger) async throws -> [ClientRecord] {
    try await withClientManager(configuration, logger: logger, clock: SystemClock()) { clients in
        try await clients.list()
    }
}

/// Removes a machine client and revokes its tokens at once (`jwtauth clients remove`): the
/// revocation goes through the session store, so running servers, and the services reading
/// their revocation feed, refuse the client's tokens from then on.
///
/// - Throws: `not_found` for an unknown id, `store_unavailable`.
public func removeClient(
    configuration: ServerConfiguration,
    id: String,
    logger: Logger,
    clock: any UnixClock = SystemClock()
) async throws {
    try await withClientManager(configuration, logger: logger, clock: clock) { clients in
        try await clients.remove(id: id)
    }
}

/// Runs `body` with a client manager on the configured stores, and closes them after.
private func withClientManager<Result>(
    _ configuration: ServerConfiguration,
    logger: Logger,
    clock: any UnixClock,
    _ body: (ClientManager) async throws -> Result
) async throws -> Result {
    try await Administration.run(configuration, logger: logger, clock: clock) { administration in
        try await body(ClientManager(sessions: administration.sessions, clients: administration.clients))
    }
}
