/// What one commit finished early (exit, opt-out, `exit_on`): the runs, and the queued messages it cancelled
/// with them. The dispatcher drops those it holds in memory, keeps the runs' later pages from starting
/// (``RunHolds``), and takes the cancelled messages off its queued counts, paged in or not.
public struct HeldRuns: Sendable, Equatable {
    /// A message the commit moved from queued to cancelled.
    public struct Message: Sendable, Equatable {
        /// The message's store sequence.
        public var sequence: Int64
        /// The instance it was queued on.
        public var channel: String

        public init(sequence: Int64, channel: String) {
            self.sequence = sequence
            self.channel = channel
        }
    }

    /// The runs finished early.
    public var runIDs: [Int64]
    /// Their messages the same commit cancelled.
    public var messages: [Message]

    public init(runIDs: [Int64] = [], messages: [Message] = []) {
        self.runIDs = runIDs
        self.messages = messages
    }

    /// Whether the commit finished nothing early.
    public var isEmpty: Bool { runIDs.isEmpty && messages.isEmpty }
}
