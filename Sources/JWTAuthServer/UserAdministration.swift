public import JWTAuth
public import Logging

/// Every account of the configured user store, by username (`jwtauth users list`). The
/// records hold password hashes: show the other fields only.
public func listUsers(configuration: ServerConfiguration, logger: Logger) async throws -> [UserRecord] {
    try await Administration.run(configuration, logger: logger) { administration in
        try await administration.users.users()
    }
}

/// Disables or enables an account (`jwtauth users disable|enable`), given by id or username.
/// Disabling revokes every session and access token of the user on every running server at
/// once (through the session store's revocation log) and blocks logins.
///
/// - Returns: The account as it is now.
/// - Throws: `not_found` for an unknown user, `store_unavailable`.
public func setUserDisabled(
    _ user: String,
    _ disabled: Bool,
    configuration: ServerConfiguration,
    logger: Logger,
    clock: any UnixClock = SystemClock()
) async throws -> UserRecord {
    try await Administration.run(configuration, logger: logger, clock: clock) { administration in
        var record = try await administration.user(user)
        try await administration.accounts.setDisabled(userID: record.id, disabled, origin: Administration.origin)
        record.isDisabled = disabled
        return record
    }
}

/// Removes an account (`jwtauth users remove`), given by id or username, and revokes every
/// session and access token of it at once.
///
/// - Returns: The removed account.
/// - Throws: `not_found` for an unknown user, `store_unavailable`.
public func removeUser(_ user: String, configuration: ServerConfiguration, logger: Logger, clock: any UnixClock = SystemClock()) async throws -> UserRecord {
    try await Administration.run(configuration, logger: logger, clock: clock) { administration in
        let record = try await administration.user(user)
        try await administration.accounts.removeUser(id: record.id, origin: Administration.origin)
        return record
    }
}

/// Sets an account's password (`jwtauth users set-password`), given by id or username, with the
/// rules of registration; every session of the user ends.
///
/// - Returns: The account.
/// - Throws: `invalid_input` for an unacceptable password, `not_found` for an unknown user.
public func setUserPassword(
    _ user: String,
    password: String,
    configuration: ServerConfiguration,
    logger: Logger,
    clock: any UnixClock = SystemClock()
) async throws -> UserRecord {
    try await Administration.run(configuration, logger: logger, clock: clock) { administration in
        let record = try await administration.user(user)
        try await administration.accounts.setPassword(userID: record.id, to: password, origin: Administration.origin)
        return record
    }
}
