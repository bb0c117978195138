import ArgumentParser
import Foundation
import JWTAuth

struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Sign, verify and inspect tokens.",
        subcommands: [Sign.self, Verify.self, Decode.self]
    )

    struct Sign: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sign a JWT with a private key.",
            discussion: """
                The header carries the key's alg and kid. iat is set to now unless the claims \
                give one; --exp sets exp to now plus the duration. Flags override the claims JSON.
                """
        )

        @Option(name: .long, help: "The private key (JWK or PEM).")
        var key: String

        @Option(name: .long, help: "Claims as a JSON object, or - to read them from standard input.")
        var claims: String?

        @Option(name: .long, help: "Lifetime: sets exp to now plus this (e.g. 5m, 6h, 3600).")
        var exp: DurationArgument?

        @Option(name: .long, help: "The iss claim.")
        var iss: String?

        @Option(name: .long, help: "The aud claim (repeat for several).")
        var aud: [String] = []

        @Option(name: .long, help: "The sub claim.")
        var sub: String?

        @Option(name: .long, help: "The typ header (default JWT).")
        var typ: String = "JWT"

        @Option(name: .long, help: "The algorithm, for keys that do not name one (RSA PEM).")
        var alg: String?

        @Option(name: .long, help: "Sign as of this Unix time instead of now.")
        var now: Double?

        func run() throws {
            let key = try KeyFile.key(at: self.key, algorithms: try parseAlgorithms(self.alg))
            var members: [String: JSONValue] = [:]
            if let claims = self.claims {
                let text = claims == "-" ? String(decoding: try Console.readStandardInput(), as: UTF8.self) : claims
                do {
                    guard let object = try JSONValue(parsing: text).objectValue else {
                        throw CLIFailure.usage("--claims must be a JSON object")
                    }
                    members = object
                } catch let error as JWTAuthError {
                    throw CLIFailure.usage("--claims is not valid JSON: \(error.message)")
                }
            }
            let now = self.now.map(NumericDate.init(secondsSinceEpoch:)) ?? SystemClock().now
            let issuedAt = NumericDate(now.wholeSeconds)
            if members["iat"] == nil { members["iat"] = .integer(issuedAt.wholeSeconds) }
            if let exp = self.exp { members["exp"] = .integer((issuedAt + exp.duration).wholeSeconds) }
            if let iss = self.iss { members["iss"] = .string(iss) }
            if let sub = self.sub { members["sub"] = .string(sub) }
            if !self.aud.isEmpty {
                members["aud"] = self.aud.count == 1 ? .string(self.aud[0]) : .array(self.aud.map(JSONValue.string))
            }
            do {
                let signer = try JWTSigner(key: key)
                let payload = Array(JSONValue.object(members).jsonString.utf8)
                print(try signer.signJWS(payload: payload, type: self.typ))
            } catch {
                throw CLIFailure.key(error)
            }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify a token; prints its payload when valid.",
            discussion: """
                Exit status: 0 valid (payload on stdout), 1 rejected ("error: <code>: <message>" \
                on stderr), 2 usage or key error. Without --jws the token must be a JWT and the \
                claims policy applies: exp is required, iat may not be in the future, nbf and \
                exp are checked with the leeway.
                """
        )

        @Option(name: .long, help: "A key file (JWK or PEM).")
        var key: String?

        @Option(name: .long, help: "A JWKS file.")
        var jwks: String?

        @Option(name: .customLong("secret-file"), help: "A file holding an HMAC secret.")
        var secretFile: String?

        @Option(name: .long, help: "Allowed algorithms, comma-separated (default: those of the keys).")
        var alg: String?

        @Option(name: .long, help: "Required issuer (iss).")
        var iss: String?

        @Option(name: .long, help: "Accepted audience (aud); repeat for several.")
        var aud: [String] = []

        @Option(name: .long, help: "Required typ header, e.g. at+jwt.")
        var typ: String?

        @Option(name: .long, help: "Clock skew tolerance (seconds or a duration, at most 300 s).")
        var leeway: DurationArgument = DurationArgument(.seconds(60))

        @Option(name: .customLong("max-age"), help: "Maximum token age (seconds or a duration).")
        var maxAge: DurationArgument?

        @Option(name: .long, help: "Claims that must be present, comma-separated.")
        var require: String?

        @Option(name: .customLong("max-bytes"), help: "Maximum token size in bytes.")
        var maxBytes: Int = 8192

        @Option(name: .long, help: "Verify as of this Unix time instead of now.")
        var now: Double?

        @Flag(name: .long, help: "Raw JWS: check only the header and signature; print the payload as it is.")
        var jws = false

        @Argument(help: "The token, or - to read it from standard input.")
        var token: String

        func validate() throws {
            let sources = [self.key, self.jwks, self.secretFile].compactMap { $0 }
            guard sources.count == 1 else {
                throw ValidationError("give exactly one of --key, --jwks or --secret-file")
            }
            guard self.leeway.duration <= .seconds(300) else { throw ValidationError("--leeway may be at most 300 seconds") }
            guard self.maxBytes > 0 else { throw ValidationError("--max-bytes must be positive") }
        }

        func run() throws {
            let algorithms = try parseAlgorithms(self.alg)
            let keys: JWTKeySet
            if let path = self.key {
                keys = try KeyFile.keySet(at: path, algorithms: algorithms)
            } else if let path = self.jwks {
                keys = try KeyFile.keySet(at: path, algorithms: algorithms)
            } else {
                keys = try KeyFile.secretKeySet(at: self.secretFile ?? "", algorithms: algorithms)
            }
            guard keys.keys.contains(where: \.canVerify) else {
                throw CLIFailure(code: "key_invalid", message: "no key in the file may verify signatures (use/key_ops)", exitCode: 2)
            }

            let policy = JWTValidationPolicy(
                algorithms: algorithms.isEmpty ? nil : Set(algorithms),
                issuer: self.iss,
                audiences: self.aud.isEmpty ? nil : Set(self.aud),
                types: self.typ.map { [$0] },
                leeway: self.leeway.duration,
                requiredClaims: self.require.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } } ?? [],
                maximumAge: self.maxAge?.duration,
                maximumTokenBytes: self.maxBytes
            )
            let clock: any UnixClock = self.now.map { ManualClock(NumericDate(secondsSinceEpoch: $0)) } ?? SystemClock()
            let verifier = JWTVerifier(keys: keys, policy: policy, clock: clock)
            let token = try Console.token(self.token)
            do {
                let payload = self.jws ? try verifier.verifyJWS(token).payload : try verifier.verify(token).payload
                Console.writeExactly(payload)
            } catch {
                throw CLIFailure.rejected(error)
            }
        }
    }

    struct Decode: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a token's header and payload WITHOUT verifying it.",
            discussion: "Nothing printed by this command is trustworthy: the signature is not checked."
        )

        @Argument(help: "The token, or - to read it from standard input.")
        var token: String

        func run() throws {
            let jws: UnverifiedJWS
            do {
                let token = try Console.token(self.token)
                jws = try UnverifiedJWS(decoding: token)
            } catch let failure as CLIFailure {
                throw failure
            } catch let error as JWTAuthError {
                throw CLIFailure.rejected(error)
            }
            func describe(_ bytes: [UInt8]) -> JSONValue {
                if let json = try? JSONValue(parsingBytes: bytes) { return json }
                if let text = String(validating: bytes, as: UTF8.self) { return .string(text) }
                return .object(["bytes": .array(bytes.map { .integer(Int64($0)) })])
            }
            Console.error("warning: UNVERIFIED: the signature was not checked; do not trust this content")
            print(
                #"{"status":"UNVERIFIED","header":"# + describe(jws.header).jsonString + #","payload":"#
                    + describe(jws.payload).jsonString + "}"
            )
        }
    }
}
