public import GatewayJSON

/// `optout` and `optin`: the standing decision, once committed to the consent log.
public struct ConsentChangeAnswer: ControlAnswer, Hashable {
    /// `customer` or `address`.
    public var subjectKind: String
    public var subject: String
    /// `all` or a channel type.
    public var channel: String
    public var optedOut: Bool

    public init(subjectKind: String, subject: String, channel: String, optedOut: Bool) {
        self.subjectKind = subjectKind
        self.subject = subject
        self.channel = channel
        self.optedOut = optedOut
    }

    public func appendFields(to line: inout String) {
        line += ",\"\(subjectKind)\":"
        JSONValue.appendQuoted(subject, to: &line)
        line += ",\"channel\":"
        JSONValue.appendQuoted(channel, to: &line)
        line += ",\"state\":\"\(optedOut ? "opted_out" : "opted_in")\""
    }

    public init?(json: JSONValue) {
        guard case .string(let channel)? = json["channel"], case .string(let state)? = json["state"] else {
            return nil
        }
        let kind = json["customer"] != nil ? "customer" : "address"
        guard let subject = json[kind]?.stringValue else { return nil }
        self.init(subjectKind: kind, subject: subject, channel: channel, optedOut: state == "opted_out")
    }
}
