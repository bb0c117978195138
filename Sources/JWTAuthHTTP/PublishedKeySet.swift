import JWTAuth
import Synchronization

/// The JWKS document of a key ring, encoded again only when the ring's keys change (its
/// generation moves), so serving `/.well-known/jwks.json` is a buffer copy.
final class PublishedKeySet: Sendable {
    private let ring: KeyRing
    private let encoded = Mutex<(generation: UInt64, document: [UInt8])?>(nil)

    init(ring: KeyRing) {
        self.ring = ring
    }

    /// The public keys of the ring as a JWKS document.
    func document() -> [UInt8] {
        // The generation is read before the keys: if the ring changes in between, the document
        // is stored under the older generation and encoded again on the next request.
        let generation = self.ring.generation
        if let cached = self.encoded.withLock({ $0 }), cached.generation == generation {
            return cached.document
        }
        let document = Array(self.ring.verificationKeys.publicJWKS().utf8)
        self.encoded.withLock { $0 = (generation, document) }
        return document
    }
}
