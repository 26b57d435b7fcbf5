public import GatewayJSON

/// `customer_show`: one customer's directory entry, consent, channel scores, active runs and last touches.
public struct CustomerShowRequest: Sendable, Hashable {
    public var customer: String

    public init(customer: String) { self.customer = customer }

    static let fieldNames: Set<String> = ["op", "id", "customer"]

    public init(decoding fields: RequestFields) throws(ControlError) {
        try fields.refuseUnknown(Self.fieldNames)
        guard let customer = try fields.text("customer", limit: 256) else {
            throw .badRequest("missing field 'customer'", field: "customer")
        }
        self.customer = customer
    }

    public var members: [String: JSONValue] { ["customer": .string(customer)] }
}
