import JWTAuth
import Testing

/// Expects `body` to throw a ``JWTAuthError`` with `code`; returns the error.
@discardableResult
func expectRejected<R>(
    _ code: JWTAuthError.Code,
    _ comment: Comment? = nil,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> R
) -> JWTAuthError? {
    let error = #expect(throws: JWTAuthError.self, comment, sourceLocation: sourceLocation) { _ = try body() }
    if let error {
        #expect(error.code == code, "\(comment.map { "\($0): " } ?? "")got \(error)", sourceLocation: sourceLocation)
    }
    return error
}
