extension RedisConfiguration: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The configuration as a URL with the password replaced by `***`, safe to log. TLS file
    /// paths are shown (they say which file was used, and nothing of what is in it).
    package var description: String {
        var text = (tls == nil ? "redis" : "rediss") + (isCluster ? "+cluster://" : "://")
        if username != nil || password != nil {
            text += (username.map { Self.percentEncoded($0) } ?? "") + (password == nil ? "" : ":***") + "@"
        }
        text += endpoints.map { RedisEndpoint(host: $0.host, port: $0.port).description }.joined(separator: ",")
        if database != 0 { text += "/\(database)" }
        text += "?protocol=\(protocolVersion)&connect_timeout=\(Self.format(connectTimeout))"
        text += "&command_timeout=\(Self.format(commandTimeout))&pool=\(poolSize)"
        if let tls {
            let files = [("ca", tls.certificateAuthorityFile), ("cert", tls.certificateFile), ("key", tls.privateKeyFile)]
            for case (let name, let path?) in files {
                text += "&\(name)=\(Self.percentEncoded(path, keeping: "/"))"
            }
            text += "&verify=\(tls.verification.rawValue)"
        }
        return text
    }

    package var debugDescription: String { "RedisConfiguration(\(description))" }

    /// `dump()` and the debugger read mirrors, not `description`; this one shows the password
    /// only as present or not.
    package var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "endpoints": endpoints.map { "\($0.host):\($0.port)" },
                "isCluster": isCluster,
                "tls": tls.map { "\($0)" } ?? "nil",
                "username": username as Any,
                "password": password == nil ? "nil" : "***",
                "database": database,
                "protocolVersion": protocolVersion,
                "connectTimeout": connectTimeout,
                "commandTimeout": commandTimeout,
                "poolSize": poolSize,
            ],
            displayStyle: .struct
        )
    }

    private static func format(_ duration: Duration) -> String {
        let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        return milliseconds % 1000 == 0 ? "\(milliseconds / 1000)s" : "\(milliseconds)ms"
    }

    private static func percentEncoded(_ text: String, keeping extra: String = "") -> String {
        var result = ""
        for byte in text.utf8 {
            let scalar = Unicode.Scalar(byte)
            if byte < 0x80,
                scalar.properties.isAlphabetic || ("0"..."9").contains(Character(scalar)) || "-._~".unicodeScalars.contains(scalar)
                    || extra.unicodeScalars.contains(scalar)
            {
                result.unicodeScalars.append(scalar)
            } else {
                result += "%" + (byte < 0x10 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        }
        return result
    }
}
