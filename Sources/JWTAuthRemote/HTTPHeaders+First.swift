import NIOHTTP1

extension HTTPHeaders {
    /// The first value of `name`, trimmed.
    func first(_ name: String) -> String? {
        self.first(name: name).map { $0.trimmingASCIISpaces() }
    }
}
