import Foundation

/// How long the oldest queued message of an instance has waited since it was accepted (retry-waiting and
/// deferred messages included), for `/metrics`.
///
/// Each instance costs one lookup per priority lane (with SQLite, one seek on the partial index `messages_lane`,
/// never a scan), so a scrape stays cheap with millions of queued rows; instances with nothing queued cost
/// nothing. The probe has its own reader (it never waits for the writer), which holds no snapshot between scrapes.
final class QueueAgeProbe: @unchecked Sendable {
    // The lock guards the reader: a reader belongs to one thread at a time.
    private let lock = NSLock()
    private let store: any MessageStoring
    private let clock: any WallClock
    private var reader: (any StoreReading)?

    init(store: any MessageStoring, clock: any WallClock) {
        self.store = store
        self.clock = clock
    }

    /// Seconds since the oldest queued message of each named instance was accepted; an instance with none is
    /// left out. On a store error the probe answers nothing and reopens its reader at the next call.
    func oldestAges(of channels: [String]) -> [String: Double] {
        guard !channels.isEmpty else { return [:] }
        lock.lock()
        defer { lock.unlock() }
        do {
            let reader = try self.reader ?? store.makeReader()
            self.reader = reader
            let now = clock.nowMilliseconds
            var ages: [String: Double] = [:]
            for channel in channels {
                var earliest: Int64?
                for lane in PriorityLane.allCases {
                    if let createdAt = try reader.oldestQueuedAt(channel: channel, lane: lane) {
                        earliest = min(earliest ?? createdAt, createdAt)
                    }
                }
                if let earliest { ages[channel] = Double(max(0, now - earliest)) / 1000 }
            }
            return ages
        } catch {
            reader = nil
            return [:]
        }
    }
}
