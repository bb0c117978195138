import ArgumentParser
import Foundation
import JWTAuth
import JWTAuthServer
import Logging

struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Generate keys and derive public keys; list, rotate and revoke a server's signing keys.",
        subcommands: [Generate.self, Public.self, List.self, Rotate.self, Revoke.self]
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

    /// Where the signing keys of `list`, `rotate` and `revoke` live: the same flags as `serve`.
    struct Location: ParsableArguments {
        @OptionGroup var store: StoreOptions
        @OptionGroup var keys: KeyOptions

        func configuration() throws -> ServerConfiguration {
            var configuration = ServerConfiguration()
            let environment = Environment()
            try self.store.apply(to: &configuration, environment: environment)
            self.keys.apply(to: &configuration, environment: environment)
            return configuration
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the signing keys of a server's database: kid, algorithm, state and dates.",
            discussion: "States: next (published, signs after the next rotation), current (signs), retired (published until its tokens have expired), revoked."
        )

        @OptionGroup var location: Location

        @Flag(name: .long, help: "Print JSON instead of a table.")
        var json = false

        func run() async throws {
            let keys = try await CLIFailure.reporting {
                try await listSigningKeys(configuration: try self.location.configuration(), logger: Console.administrationLogger())
            }
            if self.json {
                print(JSONValue.array(keys.map(Self.json)).jsonString)
                return
            }
            Console.printTable(
                [["KID", "ALG", "STATE", "CREATED", "ACTIVATED", "RETIRED", "REVOKED"]]
                    + keys.map { key in
                        [key.keyID, key.algorithm.name, key.state.rawValue] + [key.createdAt, key.activatedAt, key.retiredAt, key.revokedAt].map(Console.date)
                    }
            )
        }

        static func json(_ key: SigningKeySummary) -> JSONValue {
            var members: [String: JSONValue] = [
                "kid": .string(key.keyID),
                "alg": .string(key.algorithm.name),
                "state": .string(key.state.rawValue),
            ]
            for (name, date) in [
                ("created_at", key.createdAt), ("activated_at", key.activatedAt), ("retired_at", key.retiredAt), ("revoked_at", key.revokedAt),
            ] {
                members[name] = date.map { .integer($0.wholeSeconds) } ?? .null
            }
            if let directory = key.directory { members["directory"] = .string(directory) }
            return .object(members)
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rotate a server's signing keys now: the next key signs, a new next key is made.",
            discussion:
                "Running servers follow within about a second. Prints the kid that signs now as the last word; warns on stderr when that key was published for less than the publish-ahead (remote verifiers may briefly refuse its tokens)."
        )

        @OptionGroup var location: Location

        @Option(
            name: .customLong("key-publish-ahead"),
            help: "The servers' publish-ahead: a warning if the key that signs now was published for less. [JWTAUTH_KEY_PUBLISH_AHEAD, default 1h]"
        )
        var keyPublishAhead: DurationArgument?

        func run() async throws {
            let publishAhead =
                try self.keyPublishAhead?.duration
                ?? Environment().parse("KEY_PUBLISH_AHEAD", DurationArgument.init(argument:))?.duration
                ?? ServerConfiguration().keyPublishAhead
            let current = try await CLIFailure.reporting {
                try await rotateSigningKey(configuration: try self.location.configuration(), logger: Console.administrationLogger())
            }
            if let published = current.publishedBeforeSigning, published < publishAhead {
                // Done all the same: an operator rotating by hand may have a reason not to wait.
                Console.error(
                    "warning: \(current.keyID) was published \(Self.text(published)) before it began to sign, less than the publish-ahead (\(Self.text(publishAhead))): "
                        + "remote verifiers whose cached JWKS predates it may briefly refuse its tokens, until they fetch the JWKS again"
                )
            }
            print("rotated; now signing with \(current.keyID)")
        }

        /// A duration in whole seconds, or hours and minutes when long.
        static func text(_ duration: Duration) -> String {
            let seconds = Int64(duration.components.seconds)
            guard seconds >= 3600 else { return "\(seconds)s" }
            return seconds % 3600 == 0 ? "\(seconds / 3600)h" : "\(seconds / 3600)h\(seconds % 3600 / 60)m"
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a compromised signing key: out of the JWKS, its tokens refused everywhere.",
            discussion: "If it was the current key, the next key signs at once and a new next key is made. Running servers follow within about a second."
        )

        @Argument(help: "The kid of the key to revoke.")
        var kid: String

        @OptionGroup var location: Location

        func run() async throws {
            let revoked = try await CLIFailure.reporting {
                try await revokeSigningKey(self.kid, configuration: try self.location.configuration(), logger: Console.administrationLogger())
            }
            print("revoked \(revoked.keyID)")
        }
    }
}
