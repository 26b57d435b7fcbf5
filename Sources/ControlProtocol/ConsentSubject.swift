public import GatewayJSON

/// Whom a consent request is about: a customer id or an address, exactly one.
public enum ConsentSubject: Sendable, Hashable {
    case customer(String)
    case address(String)

    /// Reads `customer` or `to`.
    init(decoding fields: RequestFields) throws(ControlError) {
        var found: [ConsentSubject] = []
        for key in ["customer", "to"] {
            guard let value = fields[key] else { continue }
            guard case .string(let text) = value, !text.isEmpty, text.utf8.count <= 512 else {
                throw .badRequest("'\(key)' must be a non-empty string of at most 512 bytes", field: key)
            }
            found.append(key == "customer" ? .customer(text) : .address(text))
        }
        guard found.count == 1 else {
            throw .badRequest("name exactly one of 'customer' or 'to'", field: found.isEmpty ? "customer" : "to")
        }
        self = found[0]
    }

    /// The request member naming it.
    public var members: [String: JSONValue] {
        switch self {
        case .customer(let id): ["customer": .string(id)]
        case .address(let address): ["to": .string(address)]
        }
    }
}
