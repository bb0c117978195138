import Foundation
import Synchronization

/// The orders, per user, in memory: enough for the example. A real service keeps them in its
/// own database, keyed by the token's `sub` exactly as here.
public final class OrderBook: Sendable {
    private let orders = Mutex<[String: [Order]]>([:])

    /// An empty book.
    public init() {}

    /// The user's orders, oldest first.
    public func orders(of userID: String) -> [Order] {
        self.orders.withLock { $0[userID] ?? [] }
    }

    /// Records an order for the user and returns it.
    func place(_ order: NewOrder, for userID: String) -> Order {
        let placed = Order(id: UUID().uuidString.lowercased(), item: order.item, quantity: order.quantity, createdAt: Date())
        self.orders.withLock { $0[userID, default: []].append(placed) }
        return placed
    }
}
