extension ClientCredentials: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The client id, with the secret redacted: credentials end up in logs and error messages
    /// through string interpolation.
    public var description: String {
        "ClientCredentials(clientID: \(self.clientID), secret: <redacted>)"
    }

    /// The same as ``description``: `debugPrint` and `String(reflecting:)` never show the secret.
    public var debugDescription: String { self.description }

    /// The client id and a redacted secret, so that `dump` and debuggers never show it.
    public var customMirror: Mirror {
        Mirror(self, children: ["clientID": self.clientID, "secret": "<redacted>"], displayStyle: .struct)
    }
}
