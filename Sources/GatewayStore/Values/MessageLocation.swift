public import ControlProtocol

/// Where a message is and what state it is in, as the store has it (for `cancel`).
public struct MessageLocation: Sendable, Hashable {
    public var sequence: Int64
    public var messageID: String
    public var channel: String
    /// Its state as stored (a deferred message is `queued` here).
    public var state: MessageState

    /// A location as a backend reads it.
    public init(sequence: Int64, messageID: String, channel: String, state: MessageState) {
        self.sequence = sequence
        self.messageID = messageID
        self.channel = channel
        self.state = state
    }
}
