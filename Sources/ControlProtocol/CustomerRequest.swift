public import GatewayJSON

/// `customer`: creates or changes one directory entry (also each item of `customer_batch`). Keys left out keep
/// their stored values; `null` removes an address, an attribute or the zone.
///
/// The zone is checked against the daemon's time zone database when handled, not here (no Foundation here).
public struct CustomerRequest: Sendable, Hashable {
    /// The channel types a customer can have an address on.
    public static let channelTypes: Set<String> = ["sms", "app_push", "wecom", "wechat_oa", "call_queue"]
    /// Longest attribute value, in UTF-8 bytes.
    public static let attributeLimit = 1024
    /// Most attributes one customer can carry in a request.
    public static let attributeCount = 64

    /// The bank's customer id.
    public var customer: String
    /// Address per channel type; `nil` removes it.
    public var addresses: [String: String?]
    /// Attribute values as given: a string, a number, or `null` (removes it).
    public var attributes: [String: JSONValue]
    /// IANA zone; `.some(nil)` removes it, `nil` keeps it.
    public var zone: String??
    public var tagsAdd: [String]
    public var tagsRemove: [String]

    public init(
        customer: String, addresses: [String: String?] = [:], attributes: [String: JSONValue] = [:],
        zone: String?? = nil, tagsAdd: [String] = [], tagsRemove: [String] = []
    ) {
        self.customer = customer
        self.addresses = addresses
        self.attributes = attributes
        self.zone = zone
        self.tagsAdd = tagsAdd
        self.tagsRemove = tagsRemove
    }

    static let fieldNames: Set<String> = [
        "op", "id", "customer", "addresses", "attributes", "zone", "tags_add", "tags_remove",
    ]

    public init(decoding fields: RequestFields) throws(ControlError) {
        let prefix = fields.prefix
        try fields.refuseUnknown(Self.fieldNames)
        guard let customer = try fields.text("customer", limit: 256) else {
            throw .badRequest("missing field 'customer'", field: prefix + "customer")
        }
        self.customer = customer
        addresses = [:]
        if let value = fields["addresses"] {
            guard case .object(let members) = value else {
                throw .badRequest(
                    "'addresses' must be an object of channel type to address", field: prefix + "addresses")
            }
            for (type, address) in members {
                let field = prefix + "addresses." + type
                guard Self.channelTypes.contains(type) else {
                    throw .badRequest(
                        "unknown channel type '\(type)'; expected one of: "
                            + Self.channelTypes.sorted().joined(separator: ", "), field: field)
                }
                switch address {
                case .null: addresses[type] = .some(nil)
                case .string(let text) where !text.isEmpty && text.utf8.count <= 256: addresses[type] = text
                default:
                    throw .badRequest(
                        "an address must be a non-empty string of at most 256 bytes or null", field: field)
                }
            }
        }
        attributes = [:]
        if let value = fields["attributes"] {
            guard case .object(let members) = value else {
                throw .badRequest("'attributes' must be an object", field: prefix + "attributes")
            }
            guard members.count <= Self.attributeCount else {
                throw .badRequest("at most \(Self.attributeCount) attributes", field: prefix + "attributes")
            }
            for (name, attribute) in members {
                let field = prefix + "attributes." + name
                guard Self.isAttributeName(name) else {
                    throw .badRequest("an attribute name must match [A-Za-z_][A-Za-z0-9_]{0,63}", field: field)
                }
                switch attribute {
                case .null, .number: break
                case .string(let text) where text.utf8.count <= Self.attributeLimit: break
                default:
                    throw .badRequest(
                        "an attribute must be a string of at most \(Self.attributeLimit) bytes, a number or null",
                        field: field)
                }
                attributes[name] = attribute
            }
        }
        zone = nil
        if let value = fields.members["zone"] {
            switch value {
            case .null: zone = .some(nil)
            case .string(let name) where !name.isEmpty && name.utf8.count <= 64: zone = name
            default: throw .badRequest("'zone' must be an IANA time zone name or null", field: prefix + "zone")
            }
        }
        tagsAdd = try Self.tags("tags_add", fields)
        tagsRemove = try Self.tags("tags_remove", fields)
    }

    /// Reads a list of tags: each `[a-z0-9][a-z0-9:_-]{0,63}`, never `prefers:*` (channel affinity sets those).
    private static func tags(_ key: String, _ fields: RequestFields) throws(ControlError) -> [String] {
        guard let value = fields[key] else { return [] }
        guard case .array(let items) = value, items.count <= 64 else {
            throw .badRequest("'\(key)' must be an array of at most 64 tags", field: fields.prefix + key)
        }
        var tags: [String] = []
        for (index, item) in items.enumerated() {
            let field = fields.prefix + key + "[\(index)]"
            guard case .string(let tag) = item, isTag(tag) else {
                throw .badRequest("a tag must match [a-z0-9][a-z0-9:_-]{0,63}", field: field)
            }
            guard !tag.hasPrefix("prefers:") else {
                throw .badRequest("'prefers:' tags are set by channel affinity, not by clients", field: field)
            }
            tags.append(tag)
        }
        return tags
    }

    /// `[A-Za-z_][A-Za-z0-9_]{0,63}`.
    public static func isAttributeName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, bytes.count <= 64, isLetter(first) || first == UInt8(ascii: "_") else {
            return false
        }
        return bytes.allSatisfy { isLetter($0) || isDigit($0) || $0 == UInt8(ascii: "_") }
    }

    /// `[a-z0-9][a-z0-9:_-]{0,63}`.
    public static func isTag(_ tag: String) -> Bool {
        let bytes = Array(tag.utf8)
        guard let first = bytes.first, bytes.count <= 64, isLower(first) || isDigit(first) else { return false }
        return bytes.allSatisfy { byte in
            isLower(byte) || isDigit(byte) || byte == UInt8(ascii: ":") || byte == UInt8(ascii: "_")
                || byte == UInt8(ascii: "-")
        }
    }

    private static func isLower(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") }
    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
    private static func isLetter(_ byte: UInt8) -> Bool {
        isLower(byte) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
    }

    public var members: [String: JSONValue] {
        var members: [String: JSONValue] = ["customer": .string(customer)]
        if !addresses.isEmpty {
            members["addresses"] = .object(addresses.mapValues { $0.map(JSONValue.string) ?? .null })
        }
        if !attributes.isEmpty { members["attributes"] = .object(attributes) }
        if let zone { members["zone"] = zone.map(JSONValue.string) ?? .null }
        if !tagsAdd.isEmpty { members["tags_add"] = .array(tagsAdd.map(JSONValue.string)) }
        if !tagsRemove.isEmpty { members["tags_remove"] = .array(tagsRemove.map(JSONValue.string)) }
        return members
    }
}
