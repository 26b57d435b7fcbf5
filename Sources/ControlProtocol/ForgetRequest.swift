public import GatewayJSON

/// `forget`: erase a customer under PIPL (design §12); `reference` is the bank's ticket, kept as evidence.
public struct ForgetRequest: Sendable, Hashable {
    public var customer: String
    public var reference: String

    /// Only ask how far the sweep of an earlier forget has come (`gatewayctl customer forget --wait`): nothing is
    /// erased and no `reference` is needed.
    public var progress: Bool

    public init(customer: String, reference: String, progress: Bool = false) {
        self.customer = customer
        self.reference = reference
        self.progress = progress
    }

    static let fieldNames: Set<String> = ["op", "id", "customer", "reference", "progress"]

    public init(decoding fields: RequestFields) throws(ControlError) {
        try fields.refuseUnknown(Self.fieldNames)
        guard let customer = try fields.text("customer", limit: 256) else {
            throw .badRequest("missing field 'customer'", field: "customer")
        }
        let progress = try fields.flag("progress")
        let reference = try fields.text("reference", limit: 1024)
        guard progress || reference != nil else {
            throw .badRequest("missing field 'reference' (the ticket this erase answers)", field: "reference")
        }
        self.customer = customer
        self.reference = reference ?? ""
        self.progress = progress
    }

    public var members: [String: JSONValue] {
        guard progress else { return ["customer": .string(customer), "reference": .string(reference)] }
        return ["customer": .string(customer), "progress": .bool(true)]
    }
}
