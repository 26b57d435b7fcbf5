/// `subscribe`: the stream follows this answer.
public struct SubscribeAnswer: ControlAnswer, Hashable {
    public init() {}

    public func appendFields(to line: inout String) { line += ",\"subscribed\":true" }
}
