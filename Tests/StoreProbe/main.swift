// The crash-test child: opens the SQLite store, creates a session (or takes the one named on
// the command line), then rotates it forever, printing "<new jti>" after each COMMITTED
// rotation. The test kills it with SIGKILL at a random moment and checks, from the database,
// that no rotation it reported was lost.
import JWTAuth
import JWTAuthSQL

#if canImport(Glibc)
import Glibc
#endif

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    print("usage: jwtauth-store-probe DATABASE_PATH")
    exit(2)
}
let store = try await SQLStore.sqlite(path: arguments[1])
var now = NumericDate(1_800_000_000)
var current = "jti-0"
let session = SessionRecord(
    id: "crash-session",
    userID: "crash-user",
    clientID: "probe",
    userAgent: nil,
    createdAt: now,
    lastUsedAt: now,
    expiresAt: now + .seconds(86400 * 365),
    refreshExpiresAt: now + .seconds(86400 * 365),
    rotatedAt: now,
    currentTokenID: current
)
_ = try await store.createSession(session, maximumPerUser: 10)
print("ready \(current)")
fflush(nil)
var counter = 0
while true {
    counter += 1
    now = now + .seconds(1)
    let next = "jti-\(counter)"
    let outcome = try await store.rotate(
        RotationRequest(
            sessionID: session.id,
            userID: session.userID,
            presentedTokenID: current,
            newTokenID: next,
            now: now,
            refreshLifetime: .seconds(86400),
            reuseInterval: .zero
        )
    )
    guard case .rotated = outcome else {
        print("unexpected \(outcome)")
        exit(1)
    }
    current = next
    print(current)
    fflush(nil)
}
