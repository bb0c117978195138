import Testing

/// The HTTP stacks every scenario runs over: the app's (URLSession; FoundationNetworking on
/// Linux) and an unrelated async client (AsyncHTTPClient behind HummingbirdTesting's client),
/// which shows that `HTTPTransport` is all the token client needs.
enum TransportKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case urlSession
    case asyncHTTPClient

    var testDescription: String {
        switch self {
        case .urlSession: "URLSession"
        case .asyncHTTPClient: "AsyncHTTPClient"
        }
    }
}
