public import ControlProtocol

/// Where a message is and what state it is in, as the store has it (for `cancel`).
public struct MessageLocation: Sendable, Hashable {
    public var sequence: Int64
    public var messageID: String
    public var channel: String
    /// Its state as stored (a deferred message is `queued` here).
    public var state: MessageState
}
