/// What differs between the SQLite and PostgreSQL stores; everything else is shared SQL.
struct SQLStoreDialect: Sendable {
    /// The statement that starts a write transaction.
    var beginTransaction: String
    /// Appended to a SELECT that precedes an UPDATE of the same row in a transaction.
    var lockRow: String
    /// A statement that serializes migrations across processes, if the database has one.
    var migrationLock: String?
    /// A statement that serializes signing-key changes across processes, run first in their
    /// transaction (SQLite's `BEGIN IMMEDIATE` already takes the write lock).
    var signingKeyLock: String?
    /// A function that takes a transaction-scoped lock on an integer, used to serialize the
    /// login attempts on one limit key across processes (SQLite's `BEGIN IMMEDIATE` already
    /// serializes every writer).
    var keyLockFunction: String?
    /// Migrations by version; each entry is one statement (drivers run one at a time).
    var migrations: [(version: Int, statements: [String])]

    static let sqlite = SQLStoreDialect(
        beginTransaction: "BEGIN IMMEDIATE",
        lockRow: "",
        migrationLock: nil,
        signingKeyLock: nil,
        keyLockFunction: nil,
        migrations: SQLSchema.migrations(sequenceColumn: "INTEGER PRIMARY KEY AUTOINCREMENT")
    )

    static let postgres = SQLStoreDialect(
        beginTransaction: "BEGIN",
        lockRow: " FOR UPDATE",
        migrationLock: "SELECT pg_advisory_xact_lock(7268251)",
        // An advisory lock rather than row locks: it also serializes the first start, when
        // there is no row to lock yet.
        signingKeyLock: "SELECT pg_advisory_xact_lock(7268252)",
        // Per key rather than a row lock: the key's first attempt has no row to lock yet.
        keyLockFunction: "pg_advisory_xact_lock",
        migrations: SQLSchema.migrations(sequenceColumn: "BIGSERIAL PRIMARY KEY")
    )
}

/// The schema, versioned in code. A new version appends statements; released ones never
/// change.
enum SQLSchema {
    static func migrations(sequenceColumn: String) -> [(version: Int, statements: [String])] {
        [
            (
                1,
                [
                    """
                    CREATE TABLE jwtauth_users (
                        id TEXT PRIMARY KEY,
                        username TEXT NOT NULL,
                        username_key TEXT NOT NULL UNIQUE,
                        password_hash TEXT NOT NULL,
                        roles TEXT NOT NULL,
                        disabled BOOLEAN NOT NULL,
                        created_at DOUBLE PRECISION NOT NULL
                    )
                    """,
                    """
                    CREATE TABLE jwtauth_sessions (
                        id TEXT PRIMARY KEY,
                        user_id TEXT NOT NULL,
                        client_id TEXT NOT NULL,
                        user_agent TEXT,
                        created_at DOUBLE PRECISION NOT NULL,
                        last_used_at DOUBLE PRECISION NOT NULL,
                        expires_at DOUBLE PRECISION NOT NULL,
                        refresh_expires_at DOUBLE PRECISION NOT NULL,
                        rotated_at DOUBLE PRECISION NOT NULL,
                        current_jti TEXT NOT NULL,
                        previous_jti TEXT,
                        revoked_at DOUBLE PRECISION,
                        revocation_reason TEXT
                    )
                    """,
                    "CREATE INDEX jwtauth_sessions_user ON jwtauth_sessions (user_id, created_at)",
                    """
                    CREATE TABLE jwtauth_revocations (
                        seq \(sequenceColumn),
                        kind TEXT NOT NULL,
                        subject TEXT NOT NULL,
                        at DOUBLE PRECISION NOT NULL
                    )
                    """,
                    "CREATE INDEX jwtauth_revocations_at ON jwtauth_revocations (at)",
                ]
            ),
            (
                2,
                [
                    // Machine clients of the client-credentials grant. `secret_hash` is the
                    // SHA-256 of the secret (base64url); `scope` the granted scopes, space-separated.
                    """
                    CREATE TABLE jwtauth_clients (
                        id TEXT PRIMARY KEY,
                        name TEXT NOT NULL,
                        secret_hash TEXT NOT NULL,
                        scope TEXT NOT NULL,
                        created_at DOUBLE PRECISION NOT NULL
                    )
                    """
                ]
            ),
            (
                3,
                [
                    """
                    CREATE TABLE jwtauth_signing_keys (
                        kid TEXT PRIMARY KEY,
                        alg TEXT NOT NULL,
                        state TEXT NOT NULL,
                        sealed_key TEXT NOT NULL,
                        created_at DOUBLE PRECISION NOT NULL,
                        activated_at DOUBLE PRECISION,
                        retired_at DOUBLE PRECISION,
                        revoked_at DOUBLE PRECISION
                    )
                    """,
                    // At most one current and one next key, whatever a writer gets wrong.
                    "CREATE UNIQUE INDEX jwtauth_signing_keys_one_per_state ON jwtauth_signing_keys (state) WHERE state IN ('current', 'next')",
                ]
            ),
            (
                4,
                [
                    // The audit log: append-only security events, pruned past the retention.
                    // Identifiers only, never a token, password, secret or key.
                    """
                    CREATE TABLE jwtauth_audit (
                        seq \(sequenceColumn),
                        at DOUBLE PRECISION NOT NULL,
                        event TEXT NOT NULL,
                        user_id TEXT,
                        session_id TEXT,
                        client_id TEXT,
                        key_id TEXT,
                        client_address TEXT,
                        user_agent TEXT,
                        outcome TEXT NOT NULL
                    )
                    """,
                    "CREATE INDEX jwtauth_audit_user ON jwtauth_audit (user_id, seq)",
                    "CREATE INDEX jwtauth_audit_event ON jwtauth_audit (event, seq)",
                    "CREATE INDEX jwtauth_audit_at ON jwtauth_audit (at)",
                ]
            ),
            (
                // Usernames compared after the PRECIS profile (UsernameProfile): every stored
                // key is recomputed in code by SQLStore.rekeyUsernames, no statement.
                usernameProfileVersion,
                []
            ),
            (
                6,
                [
                    // The failed-login limits shared by the instances: per limit key (a hash of
                    // a username or an address, never the name itself), the failures and the
                    // attempts in progress, each counting until `expires_at`.
                    """
                    CREATE TABLE jwtauth_login_attempts (
                        limit_key TEXT NOT NULL,
                        attempt_id TEXT NOT NULL,
                        in_progress BOOLEAN NOT NULL,
                        at DOUBLE PRECISION NOT NULL,
                        expires_at DOUBLE PRECISION NOT NULL,
                        PRIMARY KEY (limit_key, attempt_id)
                    )
                    """,
                    "CREATE INDEX jwtauth_login_attempts_expires ON jwtauth_login_attempts (expires_at)",
                ]
            ),
        ]
    }

    /// The migration that recomputes every username key with ``UsernameProfile/key(_:)``.
    static let usernameProfileVersion = 5
}
