import Foundation
import Vapor

/// The body of `POST /api/userOrders`.
struct NewOrder: Content {
    var item: String
    var quantity: Int

    /// The limits an order must respect; anything else is a 400.
    func validated() throws -> NewOrder {
        let item = self.item.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !item.isEmpty, item.count <= 200 else { throw Abort(.badRequest, reason: "item must be 1 to 200 characters") }
        guard (1...1000).contains(self.quantity) else { throw Abort(.badRequest, reason: "quantity must be 1 to 1000") }
        return NewOrder(item: item, quantity: self.quantity)
    }
}
