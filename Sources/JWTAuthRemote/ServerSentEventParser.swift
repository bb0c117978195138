import JWTAuth

/// Reads a `text/event-stream` as the HTML standard's event-stream interpretation does
/// (lines ended by CRLF, LF or CR; `:` comments; `event`, `data`, `id` fields; a blank line
/// dispatches), with bounds on the line and event sizes so a broken or hostile stream cannot
/// grow memory without end.
struct ServerSentEventParser: Sendable {
    /// What a blank line or a comment produced.
    enum Message: Sendable, Equatable {
        /// A dispatched event: its type (`message` when none was named), its data (nil when
        /// the event had no `data` field: then only `lastEventID` moved on), and the last
        /// event ID in force at dispatch (the stream's cursor).
        case event(type: String, data: [UInt8]?, lastEventID: String?)
        /// A comment line (a keep-alive).
        case comment
    }

    let maximumLineBytes: Int
    let maximumEventBytes: Int

    private var line: [UInt8] = []
    private var afterCarriageReturn = false
    private var atStreamStart = true
    private var eventType: String? = nil
    private var data: [UInt8] = []
    private var hasData = false
    private var hasFields = false
    /// The last event ID buffer: kept across events, as the standard says.
    private(set) var lastEventID: String? = nil

    init(maximumLineBytes: Int, maximumEventBytes: Int) {
        self.maximumLineBytes = maximumLineBytes
        self.maximumEventBytes = maximumEventBytes
    }

    /// Feeds bytes and returns the messages they complete.
    ///
    /// - Throws: `revocations_stale` when a line or an event is larger than allowed.
    mutating func parse(_ bytes: some Sequence<UInt8>) throws(JWTAuthError) -> [Message] {
        var messages: [Message] = []
        for byte in bytes {
            if self.afterCarriageReturn {
                self.afterCarriageReturn = false
                if byte == UInt8(ascii: "\n") { continue }
            }
            switch byte {
            case UInt8(ascii: "\r"):
                self.afterCarriageReturn = true
                try self.endLine(into: &messages)
            case UInt8(ascii: "\n"):
                try self.endLine(into: &messages)
            default:
                guard self.line.count < self.maximumLineBytes else {
                    throw JWTAuthError(.revocationsStale, "the revocation feed sent a line longer than \(self.maximumLineBytes) bytes")
                }
                self.line.append(byte)
            }
        }
        return messages
    }

    private mutating func endLine(into messages: inout [Message]) throws(JWTAuthError) {
        var line = self.line[...]
        self.line.removeAll(keepingCapacity: true)
        if self.atStreamStart {
            self.atStreamStart = false
            if line.starts(with: [0xEF, 0xBB, 0xBF]) { line = line.dropFirst(3) }
        }
        if line.isEmpty {
            self.dispatch(into: &messages)
            return
        }
        if line.first == UInt8(ascii: ":") {
            messages.append(.comment)
            return
        }
        let name: ArraySlice<UInt8>
        var value: ArraySlice<UInt8>
        if let colon = line.firstIndex(of: UInt8(ascii: ":")) {
            name = line[..<colon]
            value = line[line.index(after: colon)...]
            if value.first == UInt8(ascii: " ") { value = value.dropFirst() }
        } else {
            name = line
            value = []
        }
        self.hasFields = true
        switch String(decoding: name, as: UTF8.self) {
        case "event":
            self.eventType = String(decoding: value, as: UTF8.self)
        case "data":
            guard self.data.count + value.count + 1 <= self.maximumEventBytes else {
                throw JWTAuthError(.revocationsStale, "the revocation feed sent an event larger than \(self.maximumEventBytes) bytes")
            }
            self.data.append(contentsOf: value)
            self.data.append(UInt8(ascii: "\n"))
            self.hasData = true
        case "id":
            if !value.contains(0) { self.lastEventID = String(decoding: value, as: UTF8.self) }
        default:
            // `retry` and unknown fields: the reader keeps its own backoff.
            break
        }
    }

    private mutating func dispatch(into messages: inout [Message]) {
        defer {
            self.eventType = nil
            self.data.removeAll(keepingCapacity: true)
            self.hasData = false
            self.hasFields = false
        }
        guard self.hasFields else { return }
        var data: [UInt8]? = nil
        if self.hasData {
            data = Array(self.data.dropLast())
        }
        let type = self.eventType.flatMap { $0.isEmpty ? nil : $0 } ?? "message"
        messages.append(.event(type: type, data: data, lastEventID: self.lastEventID))
    }
}
