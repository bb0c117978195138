package import NIOSSL

extension RedisTLSConfiguration {
    /// Reads the files and builds the TLS context every connection of a client shares.
    ///
    /// Errors name the option and the file, never what is in it (a key file's contents are a
    /// secret, and a wrong file given as `ca` might be one too).
    package func makeContext() throws(RedisError) -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification =
            switch verification {
            case .full: .fullVerification
            case .ca: .noHostnameVerification
            }
        if let file = certificateAuthorityFile {
            configuration.trustRoots = .certificates(try Self.certificates(in: file, option: "ca"))
        }
        switch (certificateFile, privateKeyFile) {
        case (let certificateFile?, let privateKeyFile?):
            configuration.certificateChain = try Self.certificates(in: certificateFile, option: "cert").map { .certificate($0) }
            let key: NIOSSLPrivateKey
            do {
                key = try NIOSSLPrivateKey(file: privateKeyFile, format: .pem)
            } catch {
                throw .invalidConfiguration(
                    "cannot read an unencrypted PEM private key from key=\(privateKeyFile) (missing, unreadable, encrypted or not PEM)"
                )
            }
            configuration.privateKey = .privateKey(key)
        case (nil, nil):
            break
        default:
            // The URL parser refuses this; a configuration built by hand gets the same answer.
            throw .invalidConfiguration("cert and key go together: give both files or neither")
        }
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            // BoringSSL checks here that the key belongs to the certificate.
            let files = [certificateFile.map { "cert=\($0)" }, privateKeyFile.map { "key=\($0)" }].compactMap { $0 }
            throw .invalidConfiguration(
                "the TLS settings were refused\(files.isEmpty ? "" : " (does the key belong to the certificate? \(files.joined(separator: ", ")))"): \(error)"
            )
        }
    }

    private static func certificates(in file: String, option: String) throws(RedisError) -> [NIOSSLCertificate] {
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMFile(file)
        } catch {
            throw .invalidConfiguration("cannot read PEM certificates from \(option)=\(file) (missing, unreadable or not PEM)")
        }
        guard !certificates.isEmpty else {
            throw .invalidConfiguration("\(option)=\(file) holds no PEM certificate")
        }
        return certificates
    }
}
