/// An operator's request to the dispatcher thread (from the control socket).
enum OperatorCommand {
    /// Take a message out of its instance's queues for `cancel`; `false` if its request is under way.
    case withdraw(sequence: Int64, channel: String, completion: @Sendable (Bool) -> Void)
    /// The store committed (or refused) the cancellation of a withdrawn message.
    case settleWithdrawal(sequence: Int64, cancelled: Bool)
    case setPaused(channel: String, paused: Bool)
    /// Stop loading an instance's queue while it moves; `false` unless it is held or paused and idle.
    case freeze(channel: String, completion: @Sendable (Bool) -> Void)
    /// The move committed: `moved` messages left the instance.
    case thaw(channel: String, moved: Int)
}
