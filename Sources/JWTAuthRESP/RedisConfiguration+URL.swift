import JWTAuth

extension RedisConfiguration {
    /// Reads `redis://[user[:password]@]host[:port][/db][?options]`,
    /// `redis+cluster://[user[:password]@]host:port,host:port,…[?options]`, and the same over
    /// TLS: `rediss://…` and `rediss+cluster://…`.
    ///
    /// Options: `protocol=2|3`, `connect_timeout=2s`, `command_timeout=500ms`, `pool=4`; and
    /// with TLS only: `ca=FILE` (PEM certificate authorities to trust instead of the system's),
    /// `cert=FILE&key=FILE` (a client certificate and its key, for mutual TLS; both or neither),
    /// `verify=full|ca` (`full`, the default, checks the chain and that the certificate names the
    /// host; `ca` checks the chain only). File paths are percent-decoded, and an `@` in one must
    /// be written `%40` (the last `@` ends the user information); the files are read when the
    /// client is made. An unknown option is an error, never ignored.
    ///
    /// User and password are percent-decoded. Errors say which part is wrong but never repeat
    /// what was written there: in a mistyped URL the password can end up in any part.
    package init(url: String) throws(RedisError) {
        self.init()
        let schemes: [(prefix: String, isCluster: Bool, isTLS: Bool)] = [
            ("redis://", false, false), ("redis+cluster://", true, false),
            ("rediss://", false, true), ("rediss+cluster://", true, true),
        ]
        guard let scheme = schemes.first(where: { url.hasPrefix($0.prefix) }) else {
            throw .invalidConfiguration("a Redis URL starts with redis://, rediss:// (TLS), redis+cluster:// or rediss+cluster://")
        }
        let rest = url.dropFirst(scheme.prefix.count)
        isCluster = scheme.isCluster
        tls = scheme.isTLS ? RedisTLSConfiguration() : nil

        // The last "@" ends the user information, so a password may contain "@" unencoded.
        var authority = rest
        if let at = rest.lastIndex(of: "@") {
            try readUserInformation(rest[..<at])
            authority = rest[rest.index(after: at)...]
        }
        let hostsEnd = authority.firstIndex { $0 == "/" || $0 == "?" } ?? authority.endIndex
        let hosts = authority[..<hostsEnd]
        var tail = authority[hostsEnd...]

        endpoints = try hosts.split(separator: ",", omittingEmptySubsequences: false).map(Self.endpoint)
        guard isCluster || endpoints.count == 1 else {
            throw .invalidConfiguration("several hosts need redis+cluster:// (or rediss+cluster://)")
        }

        if tail.hasPrefix("/") {
            let pathEnd = tail.firstIndex(of: "?") ?? tail.endIndex
            let path = tail.dropFirst()[..<pathEnd]
            if !path.isEmpty {
                guard let database = Int(path), database >= 0 else {
                    throw .invalidConfiguration("the database (the URL's path) is not a number 0 or more")
                }
                self.database = database
            }
            tail = tail[pathEnd...]
        }
        if isCluster, database != 0 {
            throw .invalidConfiguration("a Redis Cluster has only database 0")
        }

        if tail.hasPrefix("?") {
            for option in tail.dropFirst().split(separator: "&") {
                try readOption(option)
            }
        }
        if let tls, (tls.certificateFile == nil) != (tls.privateKeyFile == nil) {
            throw .invalidConfiguration("cert and key go together: a client certificate needs its key file, and a key its certificate")
        }
    }

    private mutating func readUserInformation(_ userInformation: Substring) throws(RedisError) {
        let user: Substring
        let password: Substring?
        if let colon = userInformation.firstIndex(of: ":") {
            user = userInformation[..<colon]
            password = userInformation[userInformation.index(after: colon)...]
        } else {
            user = userInformation
            password = nil
        }
        guard let decodedUser = Self.percentDecoded(user) else {
            throw .invalidConfiguration("the user name is not valid percent-encoding")
        }
        username = decodedUser.isEmpty ? nil : decodedUser
        if let password {
            guard let decoded = Self.percentDecoded(password) else {
                throw .invalidConfiguration("the password is not valid percent-encoding")
            }
            self.password = decoded.isEmpty ? nil : decoded
        }
        if username != nil, self.password == nil {
            throw .invalidConfiguration("a user name needs a password (redis://user:password@host)")
        }
    }

    private mutating func readOption(_ option: Substring) throws(RedisError) {
        let parts = option.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        let name = parts[0]
        let value = parts.count == 2 ? parts[1] : ""
        // Option names are echoed in errors (they are ours), values never.
        switch name {
        case "protocol":
            guard value == "2" || value == "3" else { throw .invalidConfiguration("protocol must be 2 or 3") }
            protocolVersion = value == "3" ? 3 : 2
        case "connect_timeout":
            connectTimeout = try Self.duration(value, option: "connect_timeout")
        case "command_timeout":
            commandTimeout = try Self.duration(value, option: "command_timeout")
        case "pool":
            guard let size = Int(value), (1...64).contains(size) else {
                throw .invalidConfiguration("pool must be a number from 1 to 64")
            }
            poolSize = size
        case "ca", "cert", "key", "verify":
            guard tls != nil else {
                throw .invalidConfiguration("\(name) is a TLS option: use rediss:// (or rediss+cluster://)")
            }
            try readTLSOption(name, value)
        default:
            let shown = name.count <= 32 && name.allSatisfy({ $0.isLetter || $0 == "_" }) ? "'\(name)'" : "an option"
            throw .invalidConfiguration(
                "\(shown) is not a Redis URL option (known: protocol, connect_timeout, command_timeout, pool; with rediss:// also ca, cert, key, verify)"
            )
        }
    }

    private mutating func readTLSOption(_ name: Substring, _ value: Substring) throws(RedisError) {
        if name == "verify" {
            guard let verification = RedisTLSConfiguration.Verification(rawValue: String(value)) else {
                throw .invalidConfiguration("verify must be full (the chain and the host name, the default) or ca (the chain only)")
            }
            tls?.verification = verification
            return
        }
        guard let path = Self.percentDecoded(value), !path.isEmpty else {
            throw .invalidConfiguration("\(name) needs a file path (percent-encoded where needed)")
        }
        switch name {
        case "ca": tls?.certificateAuthorityFile = path
        case "cert": tls?.certificateFile = path
        default: tls?.privateKeyFile = path
        }
    }

    private static func endpoint(_ text: Substring) throws(RedisError) -> (host: String, port: Int) {
        var host: Substring
        var port: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw .invalidConfiguration("an IPv6 host has no closing ]") }
            host = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            if after.hasPrefix(":") {
                port = after.dropFirst()
            } else if !after.isEmpty {
                throw .invalidConfiguration("an IPv6 host is followed by something other than a port")
            }
        } else if let colon = text.firstIndex(of: ":") {
            host = text[..<colon]
            port = text[text.index(after: colon)...]
        } else {
            host = text
        }
        guard !host.isEmpty else { throw .invalidConfiguration("a host is empty") }
        guard host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-._:%".contains($0)) }) else {
            throw .invalidConfiguration("a host has characters a host name or address cannot have")
        }
        guard let port else { return (String(host), 6379) }
        guard let number = Int(port), (1...65535).contains(number) else {
            throw .invalidConfiguration("a port is not a number from 1 to 65535")
        }
        return (String(host), number)
    }

    /// `500ms`, `2s`, `1.5s`: a unit is required so nobody has to guess which one is meant.
    private static func duration(_ text: Substring, option: String) throws(RedisError) -> Duration {
        let number: Substring
        let scale: Double
        if text.hasSuffix("ms") {
            number = text.dropLast(2)
            scale = 0.001
        } else if text.hasSuffix("s") {
            number = text.dropLast()
            scale = 1
        } else {
            throw .invalidConfiguration("\(option) needs a unit: 500ms or 2s")
        }
        guard let value = Double(number), value.isFinite, value > 0, value * scale <= 86_400 else {
            throw .invalidConfiguration("\(option) must be a positive duration up to a day, such as 500ms or 2s")
        }
        return .milliseconds(Int64((value * scale * 1000).rounded()))
    }

    private static func percentDecoded(_ text: Substring) -> String? {
        PercentDecoding.decode(text.utf8)
    }
}
