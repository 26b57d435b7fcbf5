/// What the store did with a callback's receipts.
public struct ReceiptTally: Sendable, Hashable {
    /// Receipts matched to a message (and applied to its state where the state machine allows).
    public var matched = 0
    /// Receipts kept without a message yet: unknown ids, or a send whose reply has not been recorded (they are
    /// matched when it is).
    public var unmatched = 0
    /// Receipts seen before (vendors retry their pushes): they change nothing.
    public var duplicates = 0
    /// Receipts kept (matched or not, repeats excluded), by event, for `/metrics`.
    public var keptByEvent: [TimelineEvent: Int] = [:]

    public init(matched: Int = 0, unmatched: Int = 0, duplicates: Int = 0, keptByEvent: [TimelineEvent: Int] = [:]) {
        self.matched = matched
        self.unmatched = unmatched
        self.duplicates = duplicates
        self.keptByEvent = keptByEvent
    }
}
