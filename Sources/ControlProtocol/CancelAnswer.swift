public import GatewayJSON

/// `cancel`: the message that will never reach the vendor.
public struct CancelAnswer: ControlAnswer, Hashable {
    public var messageID: String

    public init(messageID: String) { self.messageID = messageID }

    public func appendFields(to line: inout String) {
        line += ",\"message_id\":"
        JSONValue.appendQuoted(messageID, to: &line)
        line += ",\"state\":\"cancelled\""
    }

    public init?(json: JSONValue) {
        guard case .string(let messageID)? = json["message_id"] else { return nil }
        self.init(messageID: messageID)
    }
}
