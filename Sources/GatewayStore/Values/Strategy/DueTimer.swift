/// One timer row: the run it wakes, when, and the run revision it was set at (the compare-and-set operand).
public struct DueTimer: Sendable, Hashable {
    /// A position in due order: timers after it are `(dueAt, runID)` greater.
    public struct Cursor: Sendable, Hashable, Comparable {
        public var dueAt: Int64
        public var runID: Int64

        public init(dueAt: Int64, runID: Int64) {
            self.dueAt = dueAt
            self.runID = runID
        }

        public static func < (lhs: Cursor, rhs: Cursor) -> Bool {
            (lhs.dueAt, lhs.runID) < (rhs.dueAt, rhs.runID)
        }

        /// Before every timer.
        public static let start = Cursor(dueAt: .min, runID: .min)
    }

    public var runID: Int64
    /// Epoch ms.
    public var dueAt: Int64
    public var rev: Int64
    public var kind: TimerKind

    public init(runID: Int64, dueAt: Int64, rev: Int64, kind: TimerKind) {
        self.runID = runID
        self.dueAt = dueAt
        self.rev = rev
        self.kind = kind
    }

    public var cursor: Cursor { Cursor(dueAt: dueAt, runID: runID) }
}
