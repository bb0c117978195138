import Vapor

/// Runs what `app.jwtAuth.use(…)` set up from boot to shutdown: starts the background work
/// (key and revocation following) when the app has booted, and at shutdown ends the open
/// revocation-feed streams, stops the background work and closes the stores.
struct JWTAuthLifecycle: LifecycleHandler {
    let state: JWTAuthState

    // `app.testing()` and older apps boot synchronously; starting is synchronous either way.
    func didBoot(_ application: Application) throws {
        self.state.start()
    }

    func didBootAsync(_ application: Application) async throws {
        self.state.start()
    }

    // A synchronous shutdown cannot wait: the work is cancelled, the stores are left to the
    // process's exit.
    func shutdown(_ application: Application) {
        self.state.cancel()
    }

    func shutdownAsync(_ application: Application) async {
        await self.state.shutdown()
    }
}
