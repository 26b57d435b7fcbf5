public import GatewayJSON

/// `event`: an engagement or business event the bank saw itself, idempotent by its `event_id`.
public struct EventRequest: Sendable, Hashable {
    /// The built-in event types; any other name matching ``isCustomName(_:)`` is the bank's own (strategies wait
    /// for it or exit on it).
    public static let types: Set<String> = ["opened", "clicked", "converted", "replied"]

    /// The channel types `channel_type` names.
    public static let channelTypes: Set<String> = ["sms", "app_push", "wecom", "wechat_oa", "call_queue"]

    /// Whether `name` is a valid custom event name: `[a-z][a-z0-9_]{0,63}`, not a built-in.
    public static func isCustomName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, bytes.count <= 64, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first)
        else { return false }
        return bytes.allSatisfy {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                || $0 == UInt8(ascii: "_")
        } && !types.contains(name)
    }

    public var eventID: String
    public var messageID: String?
    public var customer: String?
    /// `opened`, `clicked`, `converted`, `replied` or a custom name.
    public var type: String
    /// A number's JSON text or a short string.
    public var value: JSONValue?
    /// When it happened; `nil` is now.
    public var at: TimeInput?
    /// The channel type an `opened` about a customer (no message) concerns; `nil` is `app_push`, whose opens
    /// only the bank's app sees.
    public var channelType: String?

    public init(
        eventID: String, messageID: String? = nil, customer: String? = nil, type: String, value: JSONValue? = nil,
        at: TimeInput? = nil, channelType: String? = nil
    ) {
        self.channelType = channelType
        self.eventID = eventID
        self.messageID = messageID
        self.customer = customer
        self.type = type
        self.value = value
        self.at = at
    }

    public init(decoding fields: RequestFields) throws(ControlError) {
        try fields.refuseUnknown([
            "op", "id", "event_id", "message_id", "customer", "type", "value", "at", "channel_type",
        ])
        guard let eventID = try fields.text("event_id") else {
            throw .badRequest("missing field 'event_id'", field: "event_id")
        }
        self.eventID = eventID
        messageID = try fields.text("message_id")
        customer = try fields.text("customer")
        guard messageID != nil || customer != nil else {
            throw .badRequest("an event needs 'message_id' or 'customer'", field: "message_id")
        }
        guard let type = try fields.text("type"), Self.types.contains(type) || Self.isCustomName(type) else {
            throw .badRequest(
                "'type' must be opened, clicked, converted, replied or a custom name [a-z][a-z0-9_]{0,63}",
                field: "type")
        }
        self.type = type
        switch fields["value"] {
        case nil: value = nil
        case .number(let number)?: value = .number(number)
        case .string(let text)? where text.utf8.count <= 256: value = .string(text)
        default: throw .badRequest("'value' must be a number or a short string", field: "value")
        }
        at = try fields.time("at")
        channelType = try fields.text("channel_type")
        if let channelType, !Self.channelTypes.contains(channelType) {
            throw .badRequest(
                "'channel_type' must be one of \(Self.channelTypes.sorted().joined(separator: ", "))",
                field: "channel_type")
        }
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
        members["channel_type"] = channelType.map(JSONValue.string)
        return members
    }
}
