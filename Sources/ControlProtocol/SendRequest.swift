public import GatewayJSON

/// `send`, and each message of `send_batch`: one message as the client wrote it, its fields' types and sizes
/// checked. What needs the daemon's state (the instance, its template, the clock) is checked there.
public struct SendRequest: Sendable, Hashable {
    /// What to do over a frequency cap.
    public enum CapAction: String, Sendable, Hashable {
        case suppress
        case `defer`
    }

    public var channel: String
    public var to: String
    public var template: String?
    /// Template parameters; numbers and booleans arrive as their JSON text.
    public var params: [String: String]
    public var content: String?
    public var title: String?
    public var url: String?
    public var dedupKey: String?
    /// `critical`, `transactional` or `marketing`, checked by the daemon; `nil` is transactional.
    public var category: String?
    public var customer: String?
    /// `nil` is `suppress`.
    public var onCap: CapAction?
    public var notAfter: TimeInput?
    public var notBefore: TimeInput?
    public var trackLinks: Bool

    public init(
        channel: String, to: String, template: String? = nil, params: [String: String] = [:], content: String? = nil,
        title: String? = nil, url: String? = nil, dedupKey: String? = nil, category: String? = nil,
        customer: String? = nil, onCap: CapAction? = nil, notAfter: TimeInput? = nil, notBefore: TimeInput? = nil,
        trackLinks: Bool = false
    ) {
        self.channel = channel
        self.to = to
        self.template = template
        self.params = params
        self.content = content
        self.title = title
        self.url = url
        self.dedupKey = dedupKey
        self.category = category
        self.customer = customer
        self.onCap = onCap
        self.notAfter = notAfter
        self.notBefore = notBefore
        self.trackLinks = trackLinks
    }

    /// The fields a send object may carry.
    public static let fieldNames: Set<String> = [
        "op", "id", "channel", "to", "template", "params", "content", "dedup_key", "category", "not_after",
        "not_before", "customer", "on_cap", "title", "url", "track_links",
    ]

    /// Decodes a send object; errors name the field with `fields.prefix` before it.
    public init(decoding fields: RequestFields) throws(ControlError) {
        try fields.refuseUnknown(Self.fieldNames)
        let prefix = fields.prefix
        guard let channel = try fields.string("channel") else {
            throw .badRequest("missing field 'channel'", field: prefix + "channel")
        }
        guard let to = try fields.string("to", limit: 512) else {
            throw .badRequest("missing field 'to'", field: prefix + "to")
        }
        self.channel = channel
        self.to = to
        template = try fields.string("template")
        content = try fields.string("content", limit: 65_536)
        title = try fields.string("title", limit: 1024)
        url = try fields.string("url", limit: 4096)
        dedupKey = try fields.string("dedup_key", limit: 512)
        category = try fields.string("category")
        customer = try fields.string("customer", limit: 256)
        if customer?.isEmpty == true { throw .badRequest("'customer' must not be empty", field: prefix + "customer") }
        onCap = nil
        if let action = try fields.string("on_cap") {
            guard let parsed = CapAction(rawValue: action) else {
                throw .badRequest("'on_cap' must be suppress or defer", field: prefix + "on_cap")
            }
            onCap = parsed
        }
        params = [:]
        if let value = fields["params"] {
            guard case .object(let members) = value else {
                throw .badRequest("'params' must be an object, found \(value.typeName)", field: prefix + "params")
            }
            params.reserveCapacity(members.count)
            for (key, member) in members {
                switch member {
                case .string(let text): params[key] = text
                case .number(let text): params[key] = text
                case .bool(let flag): params[key] = flag ? "true" : "false"
                default:
                    throw .badRequest(
                        "params values must be strings or numbers, found \(member.typeName)",
                        field: prefix + "params." + key
                    )
                }
            }
        }
        notAfter = try fields.time("not_after")
        notBefore = try fields.time("not_before")
        trackLinks = false
        if let value = fields["track_links"] {
            guard case .bool(let flag) = value else {
                throw .badRequest("'track_links' must be true or false", field: prefix + "track_links")
            }
            trackLinks = flag
        }
    }

    /// The send object's members (without `op`).
    public var members: [String: JSONValue] {
        var members: [String: JSONValue] = ["channel": .string(channel), "to": .string(to)]
        members["template"] = template.map(JSONValue.string)
        members["content"] = content.map(JSONValue.string)
        members["title"] = title.map(JSONValue.string)
        members["url"] = url.map(JSONValue.string)
        members["dedup_key"] = dedupKey.map(JSONValue.string)
        members["category"] = category.map(JSONValue.string)
        members["customer"] = customer.map(JSONValue.string)
        members["on_cap"] = onCap.map { .string($0.rawValue) }
        members["not_after"] = notAfter?.json
        members["not_before"] = notBefore?.json
        if !params.isEmpty { members["params"] = .object(params.mapValues(JSONValue.string)) }
        if trackLinks { members["track_links"] = .bool(true) }
        return members
    }
}
