import ChannelKit
import ChannelLoopback
import GatewayConfig
import Testing

@testable import GatewayCore

/// How an instance's priority lanes share its vendor budget.
struct PriorityLaneTests {
    static func lane() -> InstanceDispatchState {
        let adapter = LoopbackChannel.kind.make(
            ChannelKind.Setup(
                instance: "loop", vendor: nil, settings: nil, mark: ConfigMark(file: "t", line: 1, column: 1)),
            ConfigIssueCollector())!
        return InstanceDispatchState(
            configuration: ChannelInstanceConfiguration(name: "loop", kind: "loopback", adapter: adapter, file: "t"),
            now: 0, timeZone: "Asia/Shanghai")
    }

    static func messages(_ count: Int, from sequence: Int64) -> [StoredMessage] {
        (0..<count).map { offset in
            StoredMessage(
                sequence: sequence + Int64(offset),
                message: OutboundMessage(id: "m\(sequence + Int64(offset))", channel: "loop", recipient: "u"),
                notAfter: nil, attempts: 0, nextAttemptAt: 0)
        }
    }

    /// The lanes chosen for the next `count` starts.
    static func picks(_ lane: inout InstanceDispatchState, _ count: Int) -> [Int] {
        (0..<count).compactMap { _ in
            guard let chosen = lane.nextLane(wallNow: 0) else { return nil }
            _ = lane.queues[chosen].next(wallNow: 0)
            return chosen
        }
    }

    @Test func criticalGoesFirstThenTransactionalAndMarketingShareFourToOne() {
        var lane = Self.lane()
        lane.queues[2].append(Self.messages(100, from: 1), wallNow: 0)
        lane.queues[1].append(Self.messages(100, from: 1000), wallNow: 0)
        lane.queues[0].append(Self.messages(3, from: 5000), wallNow: 0)
        let picks = Self.picks(&lane, 53)
        #expect(Array(picks.prefix(3)) == [0, 0, 0])
        let shared = picks.dropFirst(3)
        #expect(shared.filter { $0 == 1 }.count == 40)
        #expect(shared.filter { $0 == 2 }.count == 10)
        // Marketing is never starved: it moves at least once in every five starts.
        for window in stride(from: 3, to: 53, by: 5) {
            #expect(picks[window..<(window + 5)].contains(2))
        }
    }

    @Test func anIdleLaneLeavesTheWholeBudgetToTheOthers() {
        var lane = Self.lane()
        lane.queues[2].append(Self.messages(10, from: 1), wallNow: 0)
        #expect(Self.picks(&lane, 10) == Array(repeating: 2, count: 10))
        #expect(lane.nextLane(wallNow: 0) == nil)
        // A critical message arriving mid-blast is the very next start.
        lane.queues[2].append(Self.messages(10, from: 100), wallNow: 0)
        _ = Self.picks(&lane, 2)
        lane.queues[0].append(Self.messages(1, from: 200), wallNow: 0)
        #expect(lane.nextLane(wallNow: 0) == 0)
    }

    @Test func aDeferredMessageWaitsForItsTime() {
        var lane = Self.lane()
        var deferred = Self.messages(1, from: 1)[0]
        deferred.nextAttemptAt = 5_000
        lane.queues[2].append([deferred], wallNow: 1_000)
        #expect(lane.nextLane(wallNow: 4_999) == nil)
        #expect(lane.nextDueAt == 5_000)
        #expect(lane.nextLane(wallNow: 5_000) == 2)
    }
}
