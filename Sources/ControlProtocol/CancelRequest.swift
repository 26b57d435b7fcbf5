public import GatewayJSON

/// `cancel`: a message still waiting, named by its id or its dedup key (exactly one).
public struct CancelRequest: Sendable, Hashable {
    public enum Target: Sendable, Hashable {
        case messageID(String)
        case dedupKey(String)
    }

    public var target: Target

    public init(_ target: Target) { self.target = target }

    public init(decoding members: [String: JSONValue]) throws(ControlError) {
        let fields = try RequestFields(members, allowed: ["message_id", "dedup_key"])
        let messageID = try fields.text("message_id")
        let dedupKey = try fields.text("dedup_key", limit: 512)
        switch (messageID, dedupKey) {
        case (let id?, nil): target = .messageID(id)
        case (nil, let key?): target = .dedupKey(key)
        default: throw .badRequest("cancel needs exactly one of 'message_id' and 'dedup_key'", field: "message_id")
        }
    }

    public var members: [String: JSONValue] {
        switch target {
        case .messageID(let id): ["message_id": .string(id)]
        case .dedupKey(let key): ["dedup_key": .string(key)]
        }
    }
}
