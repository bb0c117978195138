import ArgumentParser
import JWTAuth

struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Generate keys and derive public keys.",
        subcommands: [Generate.self, Public.self]
    )

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate a private key; prints it as a JWK.",
            discussion: "The kid defaults to the key's RFC 7638 thumbprint."
        )

        @Option(name: .long, help: "The algorithm: HS256…HS512, RS256…RS512, PS256…PS512, ES256, ES384, ES512, EdDSA.")
        var alg: String

        @Option(name: .long, help: "The key identifier (default: the RFC 7638 thumbprint).")
        var kid: String?

        @Option(name: .long, help: "RSA modulus size in bits.")
        var bits: Int = 2048

        func run() throws {
            let algorithms = try parseAlgorithms(self.alg)
            guard algorithms.count == 1, let algorithm = algorithms.first else { throw CLIFailure.usage("--alg takes one algorithm") }
            do {
                let key = try JWTKey.generate(algorithm, keyID: self.kid, rsaBits: self.bits)
                print(try key.jwk(includingPrivateKey: true))
            } catch {
                throw CLIFailure.key(error)
            }
        }
    }

    struct Public: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the public JWK (or PEM) of a private key.")

        @Argument(help: "A JWK or PEM key file.")
        var keyFile: String

        @Option(name: .long, help: "The algorithm, for keys that do not name one (RSA PEM).")
        var alg: String?

        @Flag(name: .long, help: "Print SPKI PEM instead of a JWK.")
        var pem = false

        func run() throws {
            let key = try KeyFile.key(at: self.keyFile, algorithms: try parseAlgorithms(self.alg))
            guard let publicKey = key.publicKey else {
                throw CLIFailure(code: "key_invalid", message: "an HMAC secret has no public key", exitCode: 2)
            }
            if self.pem {
                print(publicKey.publicKeyPEM ?? "", terminator: "")
                return
            }
            do {
                print(try publicKey.jwk())
            } catch {
                throw CLIFailure.key(error)
            }
        }
    }
}
