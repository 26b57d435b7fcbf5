public import GatewayJSON

/// `pause` and `resume`: the instance and whether it is paused now.
public struct PauseAnswer: ControlAnswer, Hashable {
    public var channel: String
    public var paused: Bool

    public init(channel: String, paused: Bool) {
        self.channel = channel
        self.paused = paused
    }

    public func appendFields(to line: inout String) {
        line += ",\"channel\":"
        JSONValue.appendQuoted(channel, to: &line)
        line += ",\"paused\":\(paused)"
    }

    public init?(json: JSONValue) {
        guard case .string(let channel)? = json["channel"], case .bool(let paused)? = json["paused"] else {
            return nil
        }
        self.init(channel: channel, paused: paused)
    }
}
