import Synchronization

/// Receipts the store kept, by instance and event, and the repeats it ignored, by instance: pushed and polled
/// receipts alike, counted from the store's tally after the commit, so `receipts_total{event="delivered"}` never
/// counts a vendor's retried push twice and a per-instance panel adds up.
public final class ReceiptCounts: Sendable {
    private struct Table {
        var kept: [String: [String: Int]] = [:]
        var duplicates: [String: Int] = [:]
    }

    private let table = Mutex(Table())

    public init() {}

    /// Adds one commit's tally for `channel`.
    func add(_ tally: ReceiptTally, channel: String) {
        guard !tally.keptByEvent.isEmpty || tally.duplicates > 0 else { return }
        table.withLock { table in
            for (event, count) in tally.keptByEvent {
                table.kept[channel, default: [:]][event.rawValue, default: 0] += count
            }
            if tally.duplicates > 0 { table.duplicates[channel, default: 0] += tally.duplicates }
        }
    }

    /// Receipts kept since start, by instance and event.
    public var kept: [String: [String: Int]] { table.withLock { $0.kept } }

    /// Repeated receipts since start, by instance.
    public var duplicates: [String: Int] { table.withLock { $0.duplicates } }
}
