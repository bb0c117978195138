import HTTPTypes
import NIOHTTP1

extension HTTPFields {
    /// Vapor's header fields in HTTPTypes' terms; a name HTTPTypes refuses (not a token) is
    /// dropped, as no route of ours reads one.
    init(_ headers: HTTPHeaders) {
        self.init()
        self.reserveCapacity(headers.count)
        for (name, value) in headers {
            guard let fieldName = HTTPField.Name(name) else { continue }
            self.append(HTTPField(name: fieldName, value: value))
        }
    }
}
