import HTTPTypes
import Hummingbird
import JWTAuth
import NIOCore
import ServiceLifecycle

extension JWTAuthRoutes {
    /// `GET /oauth/revocations` (docs/REVOCATION-FEED.md): Server-Sent Events by default, one
    /// JSON page with `Accept: application/json`. The reader is authenticated and holds the
    /// `revocations:read` scope (the middleware in front checked both).
    func revocationFeed(_ request: Request, _ context: Context) throws -> Response {
        let identity = try self.identity(context)
        let feed = self.sessions.feed
        if Self.acceptsJSONOnly(request.headers[.accept]) {
            let after = request.uri.queryParameters["after"].flatMap { $0.isEmpty ? nil : RevocationCursor(String($0)) }
            let page = RevocationFeed.jsonPage(feed.catchUp(after: after))
            return Response(
                status: .ok,
                headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: page))
            )
        }
        let lastEventID = Self.lastEventIDField.flatMap { request.headers[$0] }.flatMap { $0.isEmpty ? nil : RevocationCursor($0) }
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-store"],
            body: ResponseBody { writer in
                let reader = self.sessions.feedReader(identity)
                let subscription = try await Self.subscribe(feed, after: lastEventID, for: reader, writingTo: &writer)
                // The request has no body: what this waits for is the reader going away, which
                // ends the subscription at once rather than at the next write.
                try await request.body.consumeWithInboundCloseHandler { _ in
                    try await withGracefulShutdownHandler {
                        try await self.stream(subscription, to: &writer, reader: reader)
                    } onGracefulShutdown: {
                        subscription.end(.shutdown)
                    }
                } onInboundClosed: {
                    subscription.end(.cancelled)
                }
                subscription.end()
                try await writer.finish(nil)
            }
        )
    }

    /// Subscribes the reader and writes its catch-up and `ready`. The catch-up (possibly the
    /// whole journal) is released when this returns, not kept for the life of the stream. A
    /// catch-up that revokes the reader itself ends the subscription once it is written.
    private static func subscribe(
        _ feed: RevocationFeed,
        after cursor: RevocationCursor?,
        for reader: RevocationFeed.Reader,
        writingTo writer: inout any ResponseBodyWriter
    ) async throws -> RevocationFeed.Subscription {
        let (catchUp, subscription) = feed.subscribe(after: cursor)
        do {
            try await writer.write(ByteBuffer(string: catchUp.serverSentEvents))
        } catch {
            subscription.end()
            throw error
        }
        if catchUp.messages.contains(where: reader.isRevoked(by:)) { subscription.end() }
        return subscription
    }

    /// Writes live messages and heartbeats until the subscription ends, or the reader's token
    /// would no longer verify: expired (or past the longest life an access token has here),
    /// revoked, or its key gone from the key ring. A removed client is sent the revocation
    /// that ended it, then its stream ends (its own revocation, sent, ends it at once).
    private func stream(_ subscription: RevocationFeed.Subscription, to writer: inout any ResponseBodyWriter, reader: RevocationFeed.Reader) async throws {
        let sessions = self.sessions
        try await subscription.deliver(
            to: reader,
            heartbeat: self.revocationHeartbeat,
            isReaderRevoked: { sessions.isRevoked(reader) },
            write: { text in try await writer.write(ByteBuffer(string: text)) }
        )
    }

    static var lastEventIDField: HTTPField.Name? { HTTPField.Name("Last-Event-ID") }

    /// True when the `Accept` field asks for `application/json` and not for
    /// `text/event-stream`: the stream is the default.
    static func acceptsJSONOnly(_ accept: String?) -> Bool {
        guard let accept else { return false }
        // A media range is a type without spaces, then optional parameters after `;`.
        let types = accept.split(separator: ",").map { range in
            String(range.prefix(while: { $0 != ";" }).filter { $0 != " " && $0 != "\t" }).lowercased()
        }
        return types.contains("application/json") && !types.contains("text/event-stream")
    }
}
