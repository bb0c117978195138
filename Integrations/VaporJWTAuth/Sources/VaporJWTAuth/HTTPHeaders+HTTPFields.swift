import HTTPTypes
import NIOHTTP1

extension HTTPHeaders {
    /// HTTPTypes' header fields in Vapor's terms, in order, repeated names kept.
    init(_ fields: HTTPFields) {
        self.init()
        self.reserveCapacity(fields.count)
        for field in fields {
            self.add(name: field.name.rawName, value: field.value)
        }
    }
}
