public import GatewayJSON

/// `event`: an engagement or business event the bank saw itself, idempotent by its `event_id`.
public struct EventRequest: Sendable, Hashable {
    /// The event types a client may report.
    public static let types: Set<String> = ["opened", "clicked", "converted"]

    public var eventID: String
    public var messageID: String?
    public var customer: String?
    /// `opened`, `clicked` or `converted`.
    public var type: String
    /// A number's JSON text or a short string.
    public var value: JSONValue?
    /// When it happened; `nil` is now.
    public var at: TimeInput?

    public init(
        eventID: String, messageID: String? = nil, customer: String? = nil, type: String, value: JSONValue? = nil,
        at: TimeInput? = nil
    ) {
        self.eventID = eventID
        self.messageID = messageID
        self.customer = customer
        self.type = type
        self.value = value
        self.at = at
    }

    public init(decoding fields: RequestFields) throws(ControlError) {
        try fields.refuseUnknown(["op", "id", "event_id", "message_id", "customer", "type", "value", "at"])
        guard let eventID = try fields.text("event_id") else {
            throw .badRequest("missing field 'event_id'", field: "event_id")
        }
        self.eventID = eventID
        messageID = try fields.text("message_id")
        customer = try fields.text("customer")
        guard messageID != nil || customer != nil else {
            throw .badRequest("an event needs 'message_id' or 'customer'", field: "message_id")
        }
        guard let type = try fields.text("type"), Self.types.contains(type) else {
            throw .badRequest("'type' must be opened, clicked or converted", field: "type")
        }
        self.type = type
        switch fields["value"] {
        case nil: value = nil
        case .number(let number)?: value = .number(number)
        case .string(let text)? where text.utf8.count <= 256: value = .string(text)
        default: throw .badRequest("'value' must be a number or a short string", field: "value")
        }
        at = try fields.time("at")
    }

    /// The value as stored: a number's text or the string.
    public var valueText: String? {
        switch value {
        case .number(let text)?, .string(let text)?: text
        default: nil
        }
    }

    public var members: [String: JSONValue] {
        var members: [String: JSONValue] = ["event_id": .string(eventID), "type": .string(type)]
        members["message_id"] = messageID.map(JSONValue.string)
        members["customer"] = customer.map(JSONValue.string)
        members["value"] = value
        members["at"] = at?.json
        return members
    }
}
