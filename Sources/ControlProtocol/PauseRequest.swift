public import GatewayJSON

/// `pause` and `resume`: an instance stops (or starts again) starting transfers.
public struct PauseRequest: Sendable, Hashable {
    public var channel: String

    public init(channel: String) { self.channel = channel }

    public init(decoding members: [String: JSONValue]) throws(ControlError) {
        let fields = try RequestFields(members, allowed: ["channel"])
        guard let channel = try fields.text("channel") else {
            throw .badRequest("missing field 'channel'", field: "channel")
        }
        self.channel = channel
    }

    public var members: [String: JSONValue] { ["channel": .string(channel)] }
}
