public import GatewayJSON

/// `runs`: a customer's runs, newest first, with their timer and history.
public struct RunsRequest: Sendable, Hashable {
    /// Runs shown when `limit` is absent, and the most a request may ask for.
    public static let defaultLimit = 20
    public static let maxLimit = 200

    public var customer: String
    public var limit: Int

    public init(customer: String, limit: Int = RunsRequest.defaultLimit) {
        self.customer = customer
        self.limit = limit
    }

    public init(decoding fields: RequestFields) throws(ControlError) {
        try fields.refuseUnknown(["op", "id", "customer", "limit"])
        guard let customer = try fields.text("customer") else {
            throw .badRequest("missing field 'customer'", field: "customer")
        }
        self.customer = customer
        limit = Int(try fields.integer("limit", in: 1...Int64(Self.maxLimit)) ?? Int64(Self.defaultLimit))
    }

    public var members: [String: JSONValue] {
        ["customer": .string(customer), "limit": .number(String(limit))]
    }
}
