public import HTTPTypes
import JWTAuth

/// Throws unless `response` has `status`.
public func expect(_ response: FlowResponse, _ status: HTTPResponse.Status, _ what: String) throws {
    guard response.status == status else {
        throw FlowFailure("\(what): expected \(status.code), got \(response.status.code) \(response.text.prefix(300))")
    }
}

/// Throws unless `response` is an error in the contract's shape: `status`, a JSON object with
/// `error` == `code` and a string `error_description`, and `Cache-Control: no-store`.
public func expectError(_ response: FlowResponse, _ status: HTTPResponse.Status, _ code: String, _ what: String) throws {
    try expect(response, status, what)
    let object = try response.object()
    guard object["error"]?.stringValue == code else {
        throw FlowFailure("\(what): expected error \"\(code)\", got \(response.text.prefix(300))")
    }
    guard object["error_description"]?.stringValue != nil else {
        throw FlowFailure("\(what): error_description missing in \(response.text.prefix(300))")
    }
    guard Set(object.keys).isSubset(of: ["error", "error_description", "error_uri"]) else {
        throw FlowFailure("\(what): unexpected members in the error body \(response.text.prefix(300))")
    }
    guard response.headers[.contentType]?.lowercased().hasPrefix("application/json") == true else {
        throw FlowFailure("\(what): the error is not application/json but \(response.headers[.contentType] ?? "nothing")")
    }
    guard response.headers[.cacheControl]?.contains("no-store") == true else {
        throw FlowFailure("\(what): the error lacks Cache-Control: no-store")
    }
}

/// Throws unless `condition` holds.
public func check(_ condition: Bool, _ message: @autoclosure () -> String) throws {
    guard condition else { throw FlowFailure(message()) }
}
