import ChannelKit
import Foundation
import GatewayCore
import Logging
import Synchronization
import Testing

/// The write-ahead log is copied back by the store's checkpoint thread, not in the writer's commits.
struct WALCheckpointTests {
    /// Accepts `count` sends of about 4 KiB each in one commit and waits for the answers.
    private static func acceptBatch(_ store: SQLiteMessageStore, from first: Int, count: Int) -> [AcceptResult] {
        MessageStoreTests.acceptAll(
            store, (first..<first + count).map { (id: "m\($0)", key: "k\($0)") },
            content: String(repeating: "余额变动提醒 balance notice ", count: 120))
    }

    @Test func theCheckpointThreadCopiesTheLogBackAndNothingIsLost() throws {
        let clock = ManualWallClock(1_700_000_000_000)
        let (store, directory) = try MessageStoreTests.makeStore(window: .seconds(3600), clock: clock)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // 40 commits of ~200 KiB: the log passes SQLite's 1,000-page mark several times.
        var queued = 0
        for batch in 0..<40 {
            for result in Self.acceptBatch(store, from: batch * 50, count: 50) {
                if case .queued = result { queued += 1 }
            }
        }
        #expect(queued == 2_000)
        // The copy runs beside the writer: wait for it rather than for a commit.
        let deadline = Date().addingTimeInterval(10)
        while store.checkpointedPages < 1_000, Date() < deadline { usleep(20_000) }
        #expect(store.checkpointedPages >= 1_000, "pages checkpointed: \(store.checkpointedPages)")
        store.close()

        let reopened = try SQLiteMessageStore(
            directory: directory, dedupWindow: .seconds(3600), maxPendingAccepts: 1000, clock: clock,
            logger: Logger(label: "test"))
        #expect(try reopened.queuedCounts()["sms"] == 2_000)
        reopened.close()
    }

    @Test func theLogFileStaysBoundedWhileCommitsFollowEachOther() throws {
        let clock = ManualWallClock(1_700_000_000_000)
        let (store, directory) = try MessageStoreTests.makeStore(window: .seconds(3600), clock: clock)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // ~100 MiB through the log in commits that follow each other closely: the checkpoint thread never finds the
        // log fully copied before the next commit, so the writer's own checkpoint past 16,000 pages (64 MiB) must
        // restart it.
        for batch in 0..<500 { _ = Self.acceptBatch(store, from: batch * 50, count: 50) }
        let log = directory + "/gateway.sqlite3-wal"
        let size = (try FileManager.default.attributesOfItem(atPath: log)[.size] as? Int) ?? 0
        #expect(size > 0)
        #expect(size < 70 << 20, "write-ahead log: \(size) bytes")
        store.close()
    }
}
