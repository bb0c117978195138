import Foundation
import JWTAuth
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
import Testing

/// One Server-Sent Events block as received: its fields, before any EventSource logic (so a
/// block with only an `id:` is seen too).
struct ServerSentEvent: Sendable, Hashable, CustomStringConvertible {
    var id: String?
    var event: String?
    var data: String?

    /// The data as a JSON object (empty when there is none or it is not one).
    var json: [String: JSONValue] { self.data.flatMap { try? JSONValue(parsing: $0).objectValue } ?? [:] }

    var description: String { "[id: \(self.id ?? "-") event: \(self.event ?? "-") data: \(self.data ?? "-")]" }
}

/// A streaming HTTP/1.1 `GET` on a real socket, reading `text/event-stream` as it arrives:
/// the test client of HummingbirdTesting waits for a whole body, which a stream never has.
final class EventStream: Sendable {
    private struct State {
        var head: HTTPResponseHead?
        var pending: [UInt8] = []
        var events: [ServerSentEvent] = []
        var body: [UInt8] = []
        var ended = false
        var endedCleanly = false
    }

    private let state = Mutex(State())
    private let channel: Mutex<(any Channel)?> = Mutex(nil)

    /// Connects to `127.0.0.1:port` and sends `GET path` with `headers`.
    static func open(port: Int, path: String = "/oauth/revocations", bearer: String?, headers: [(String, String)] = []) async throws -> EventStream {
        let stream = EventStream()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(Handler(stream: stream))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        stream.channel.withLock { $0 = channel }
        var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path)
        head.headers.add(name: "Host", value: "127.0.0.1:\(port)")
        head.headers.add(name: "Accept", value: "text/event-stream")
        if let bearer { head.headers.add(name: "Authorization", value: "Bearer " + bearer) }
        for (name, value) in headers { head.headers.replaceOrAdd(name: name, value: value) }
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        try await channel.writeAndFlush(HTTPClientRequestPart.end(nil)).get()
        return stream
    }

    /// Closes the connection, as a reader going away does.
    func close() async {
        let channel = self.channel.withLock { $0 }
        try? await channel?.close().get()
    }

    /// Every block received so far.
    var events: [ServerSentEvent] { self.state.withLock { $0.events } }

    /// True once the server ended the response (or the connection closed).
    var hasEnded: Bool { self.state.withLock { $0.ended } }

    /// True when the server finished the response (its last chunk arrived) rather than the
    /// connection just closing.
    var endedCleanly: Bool { self.state.withLock { $0.endedCleanly } }

    /// The response head, once it arrived (waits for it).
    func head(sourceLocation: SourceLocation = #_sourceLocation) async throws -> HTTPResponseHead {
        try await self.waitUntil("the response head", sourceLocation: sourceLocation) { $0.head }
    }

    /// The whole body of a response that is not a stream (an error), once it ended.
    func bodyText() async throws -> String {
        try await self.waitUntil("the end of the response") { $0.ended ? String(decoding: $0.body, as: UTF8.self) : nil }
    }

    /// Waits for the first block after the `after` first ones that matches, and returns its index
    /// and the block.
    @discardableResult
    func next(
        after index: Int = 0,
        _ description: String,
        sourceLocation: SourceLocation = #_sourceLocation,
        where matches: @escaping @Sendable (ServerSentEvent) -> Bool
    ) async throws -> (index: Int, event: ServerSentEvent) {
        try await self.waitUntil(description, sourceLocation: sourceLocation) { state in
            guard index < state.events.count else { return nil }
            return state.events[index...].firstIndex(where: matches).map { ($0, state.events[$0]) }
        }
    }

    /// Waits for the `event:` named `name` after the `index` first blocks.
    @discardableResult
    func next(_ name: String, after index: Int = 0, sourceLocation: SourceLocation = #_sourceLocation) async throws -> (index: Int, event: ServerSentEvent) {
        try await self.next(after: index, "an event \(name)", sourceLocation: sourceLocation) { $0.event == name }
    }

    /// Waits until the server ends the stream.
    func waitForEnd(sourceLocation: SourceLocation = #_sourceLocation) async throws {
        _ = try await self.waitUntil("the end of the stream", sourceLocation: sourceLocation) { $0.ended ? true : nil }
    }

    /// A bounded wait for a condition: polls, gives up after 20 s (a generous bound for a
    /// loaded machine; the conditions themselves are met in milliseconds).
    private func waitUntil<Value>(
        _ description: String,
        sourceLocation: SourceLocation = #_sourceLocation,
        _ check: (State) -> Value?
    ) async throws -> Value {
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            if let value = self.state.withLock({ check($0) }) { return value }
            try await Task.sleep(for: .milliseconds(5))
        }
        let events = self.events
        Issue.record("timed out waiting for \(description); received \(events)", sourceLocation: sourceLocation)
        throw CancellationError()
    }

    fileprivate func received(_ part: HTTPClientResponsePart) {
        self.state.withLock { state in
            switch part {
            case .head(let head):
                state.head = head
            case .body(var buffer):
                let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
                state.body += bytes
                state.pending += bytes
                Self.parse(&state)
            case .end:
                state.ended = true
                state.endedCleanly = true
            }
        }
    }

    fileprivate func closed() {
        self.state.withLock { $0.ended = true }
    }

    /// Takes complete blocks (ended by a blank line) off the pending bytes.
    private static func parse(_ state: inout State) {
        while let blank = Self.blankLine(in: state.pending) {
            let block = String(decoding: state.pending[..<blank.start], as: UTF8.self)
            state.pending.removeFirst(blank.end)
            var event = ServerSentEvent()
            var data: [String] = []
            for line in block.split(separator: "\n", omittingEmptySubsequences: false) where !line.hasPrefix(":") {
                let parts = line.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
                let name = String(parts[0])
                var value = parts.count > 1 ? String(parts[1]) : ""
                if value.hasPrefix(" ") { value.removeFirst() }
                switch name {
                case "id": event.id = value
                case "event": event.event = value
                case "data": data.append(value)
                default: break
                }
            }
            event.data = data.isEmpty ? nil : data.joined(separator: "\n")
            state.events.append(event)
        }
    }

    private static func blankLine(in bytes: [UInt8]) -> (start: Int, end: Int)? {
        guard bytes.count >= 2 else { return nil }
        for index in 0..<(bytes.count - 1) where bytes[index] == 0x0A && bytes[index + 1] == 0x0A {
            return (index, index + 2)
        }
        return nil
    }

    private final class Handler: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = HTTPClientResponsePart
        let stream: EventStream

        init(stream: EventStream) { self.stream = stream }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            self.stream.received(self.unwrapInboundIn(data))
        }

        func channelInactive(context: ChannelHandlerContext) {
            self.stream.closed()
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            self.stream.closed()
            context.close(promise: nil)
        }
    }
}
