import Foundation
import Hummingbird

/// One order, as the API returns it.
public struct Order: ResponseCodable, Sendable, Equatable {
    /// A random identifier.
    public var id: String
    /// What was ordered.
    public var item: String
    /// How many (1…1000).
    public var quantity: Int
    /// When the order was placed (`created_at`, ISO 8601).
    public var createdAt: Date

    enum CodingKeys: String, CodingKey {
        case id, item, quantity
        case createdAt = "created_at"
    }
}

/// The body of `POST /api/userOrders`.
struct NewOrder: Decodable {
    var item: String
    var quantity: Int

    /// The limits an order must respect; anything else is a 400.
    func validated() throws -> NewOrder {
        let item = self.item.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !item.isEmpty, item.count <= 200 else {
            throw HTTPError(.badRequest, message: "item must be 1 to 200 characters")
        }
        guard (1...1000).contains(self.quantity) else {
            throw HTTPError(.badRequest, message: "quantity must be 1 to 1000")
        }
        return NewOrder(item: item, quantity: self.quantity)
    }
}
