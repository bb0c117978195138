import JWTAuth
import Testing

/// The client store conformance suite: every store that holds users holds clients too.
@Suite("Client store conformance")
struct ClientStoreTests {
    static func client(_ id: String, name: String = "orders-api", scopes: [String] = ["revocations:read"], created: Int = 0) -> ClientRecord {
        ClientRecord(
            id: id,
            name: name,
            secretHash: "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU",
            scopes: scopes,
            createdAt: NumericDate(secondsSinceEpoch: 1_800_000_000.25 + Double(created))
        )
    }

    @Test("A client is stored and read back unchanged; unknown ids are nil", arguments: StoreFactory.withUsers)
    func roundTrip(_ factory: StoreFactory) async throws {
        try await factory.with { store in
            let clients = try #require(store.users as? any ClientStore)
            let client = Self.client("c_one", name: "Bestellungen ünïcode ✓", scopes: ["revocations:read", "orders:write", "!#[]~"])
            try await clients.createClient(client)
            #expect(try await clients.client(id: "c_one") == client)
            #expect(try await clients.client(id: "c_two") == nil)
            #expect(try await clients.client(id: "C_ONE") == nil, "ids are case-sensitive")
        }
    }

    @Test("Clients are listed oldest first; removing one deletes it and says whether it existed", arguments: StoreFactory.withUsers)
    func listAndRemove(_ factory: StoreFactory) async throws {
        try await factory.with { store in
            let clients = try #require(store.users as? any ClientStore)
            #expect(try await clients.clients().isEmpty)
            for (index, id) in ["c_b", "c_a", "c_c"].enumerated() {
                try await clients.createClient(Self.client(id, created: index))
            }
            #expect(try await clients.clients().map(\.id) == ["c_b", "c_a", "c_c"])
            #expect(try await clients.removeClient(id: "c_a"))
            #expect(try await !clients.removeClient(id: "c_a"))
            #expect(try await !clients.removeClient(id: "c_unknown"))
            #expect(try await clients.client(id: "c_a") == nil)
            #expect(try await clients.clients().map(\.id) == ["c_b", "c_c"])
        }
    }

    @Test("An id that exists is refused, and the first client stays as it was", arguments: StoreFactory.withUsers)
    func duplicateID(_ factory: StoreFactory) async throws {
        try await factory.with { store in
            let clients = try #require(store.users as? any ClientStore)
            let first = Self.client("c_same")
            try await clients.createClient(first)
            let error = await #expect(throws: JWTAuthError.self) { try await clients.createClient(Self.client("c_same", name: "impostor")) }
            #expect(error?.code == .invalidInput)
            #expect(try await clients.client(id: "c_same") == first)
        }
    }
}
