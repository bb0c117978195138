public import Foundation
public import Vapor

/// One order, as the API returns it.
public struct Order: Content, Sendable, Equatable {
    /// A random identifier.
    public var id: String
    /// What was ordered.
    public var item: String
    /// How many (1…1000).
    public var quantity: Int
    /// When the order was placed (`created_at`).
    public var createdAt: Date

    enum CodingKeys: String, CodingKey {
        case id, item, quantity
        case createdAt = "created_at"
    }
}
