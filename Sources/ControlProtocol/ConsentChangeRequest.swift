public import GatewayJSON

/// `optout` and `optin`: a marketing decision of a customer or address, kept in the consent log.
public struct ConsentChangeRequest: Sendable, Hashable {
    /// How the decision arrived; replies and call results come from vendors' callbacks, so a client may only
    /// say these two.
    public enum Route: String, Sendable, Hashable {
        case api
        case `import`
    }

    public var subject: ConsentSubject
    /// `all`, a channel type or an instance name, resolved by the daemon; `nil` is `all`.
    public var channel: String?
    public var route: Route
    public var evidence: String?

    public init(subject: ConsentSubject, channel: String? = nil, route: Route = .api, evidence: String? = nil) {
        self.subject = subject
        self.channel = channel
        self.route = route
        self.evidence = evidence
    }

    static let fieldNames: Set<String> = ["op", "id", "customer", "to", "channel", "route", "evidence"]

    public init(decoding fields: RequestFields) throws(ControlError) {
        try fields.refuseUnknown(Self.fieldNames)
        route = .api
        if let value = fields["route"] {
            guard case .string(let name) = value, let parsed = Route(rawValue: name) else {
                throw .badRequest("'route' must be api or import", field: "route")
            }
            route = parsed
        }
        evidence = nil
        if let value = fields["evidence"] {
            guard case .string(let text) = value, text.utf8.count <= 1024 else {
                throw .badRequest("'evidence' must be a string of at most 1024 bytes", field: "evidence")
            }
            evidence = text
        }
        subject = try ConsentSubject(decoding: fields)
        channel = nil
        if let value = fields["channel"] {
            guard case .string(let name) = value else {
                throw .badRequest("'channel' must be a string", field: "channel")
            }
            channel = name
        }
    }

    public var members: [String: JSONValue] {
        var members = subject.members
        members["channel"] = channel.map(JSONValue.string)
        members["route"] = .string(route.rawValue)
        members["evidence"] = evidence.map(JSONValue.string)
        return members
    }
}
