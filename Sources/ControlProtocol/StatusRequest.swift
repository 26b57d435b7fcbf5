public import GatewayJSON

/// `status`: one message's state and timeline.
public struct StatusRequest: Sendable, Hashable {
    public var messageID: String

    public init(messageID: String) { self.messageID = messageID }

    public init(decoding fields: RequestFields) throws(ControlError) {
        guard case .string(let messageID)? = fields.members["message_id"] else {
            throw .badRequest("'message_id' must be a string", field: "message_id")
        }
        self.messageID = messageID
    }

    public var members: [String: JSONValue] { ["message_id": .string(messageID)] }
}
