import NIOCore
import Synchronization

/// A request body the HTTP client may ask to read more than once (it restarts a request on a
/// new connection when a pooled one turned out to be closed). The server's body can be read
/// only once — a second reader would trap — so here it fails instead, with an error the
/// gateway reports as an unreachable upstream.
struct SingleUseBody<Base: AsyncSequence & Sendable>: AsyncSequence, Sendable where Base.Element == ByteBuffer {
    typealias Element = ByteBuffer

    struct AlreadyRead: Error {}

    private final class Once: Sendable {
        let taken = Atomic<Bool>(false)
    }

    private let base: Base
    private let once = Once()

    init(_ base: Base) {
        self.base = base
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: Base.AsyncIterator?

        mutating func next() async throws -> ByteBuffer? {
            guard self.base != nil else { throw AlreadyRead() }
            return try await self.base?.next()
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        let first = !self.once.taken.exchange(true, ordering: .acquiringAndReleasing)
        return AsyncIterator(base: first ? self.base.makeAsyncIterator() : nil)
    }
}
