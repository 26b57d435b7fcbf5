/// What the store did with a callback's receipts.
public struct ReceiptTally: Sendable, Hashable {
    /// Receipts matched to a message (and applied to its state where the state machine allows).
    public var matched = 0
    /// Receipts kept without a message yet: unknown ids, or a send whose reply has not been recorded (they are
    /// matched when it is).
    public var unmatched = 0
    /// Receipts seen before (vendors retry their pushes): they change nothing.
    public var duplicates = 0
    /// Receipts kept (matched or not, repeats excluded), by event name (`delivered`, `failed`, …), for `/metrics`.
    public var keptByEvent: [String: Int] = [:]

    public init() {}
}
