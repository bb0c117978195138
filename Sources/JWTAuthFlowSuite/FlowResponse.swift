public import HTTPTypes
public import JWTAuth

/// A response as the flow cases read it.
public struct FlowResponse: Sendable {
    /// The status.
    public var status: HTTPResponse.Status
    /// The header fields.
    public var headers: HTTPFields
    /// The whole body.
    public var body: [UInt8]

    /// Creates a response from its parts.
    public init(status: HTTPResponse.Status, headers: HTTPFields, body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The body as text (lossy), for failure messages.
    public var text: String { String(decoding: self.body, as: UTF8.self) }

    /// The body as JSON; throws a ``FlowFailure`` when it is not.
    public func json() throws -> JSONValue {
        do {
            return try JSONValue(parsingBytes: self.body)
        } catch {
            throw FlowFailure("expected a JSON body, got \(self.status.code): \(self.text.prefix(200))")
        }
    }

    /// The members of a JSON object body.
    public func object() throws -> [String: JSONValue] {
        guard let object = try self.json().objectValue else { throw FlowFailure("expected a JSON object, got \(self.text.prefix(200))") }
        return object
    }

    /// A string member of a JSON object body; throws when it is absent.
    public func string(_ member: String) throws -> String {
        guard let value = try self.object()[member]?.stringValue else {
            throw FlowFailure("expected a string \"\(member)\" in \(self.text.prefix(300))")
        }
        return value
    }
}
