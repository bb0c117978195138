/// TLS to Redis (`rediss://`): which certificate authorities the server's certificate must
/// chain to, how much of it is checked, and the client's own certificate for mutual TLS.
///
/// Only file paths are kept here; the files are read when a ``RedisClient`` is made (see
/// ``makeContext()``), so a bad file stops the process at startup, naming the file.
package struct RedisTLSConfiguration: Sendable, Hashable {
    /// How much of the server's certificate is checked. There is no "unchecked" choice: an
    /// unauthenticated TLS connection gives up what `rediss://` is for.
    package enum Verification: String, Sendable, Hashable, CaseIterable {
        /// The chain must lead to a trusted root, and the certificate must name the host the
        /// client connected to (a DNS name, or an IP address as an IP SAN). The default.
        case full
        /// The chain must lead to a trusted root; the name is not checked. For Redis Cluster
        /// nodes that announce IP addresses their certificates do not list.
        case ca
    }

    /// A PEM file of the certificate authorities to trust; `nil` means the system's roots.
    package var certificateAuthorityFile: String?
    /// A PEM file with the client's certificate (and any intermediates), for servers started
    /// with `tls-auth-clients yes`. Always set together with `privateKeyFile`.
    package var certificateFile: String?
    /// The PEM private key of `certificateFile`, unencrypted.
    package var privateKeyFile: String?
    package var verification: Verification

    package init(
        certificateAuthorityFile: String? = nil,
        certificateFile: String? = nil,
        privateKeyFile: String? = nil,
        verification: Verification = .full
    ) {
        self.certificateAuthorityFile = certificateAuthorityFile
        self.certificateFile = certificateFile
        self.privateKeyFile = privateKeyFile
        self.verification = verification
    }
}
