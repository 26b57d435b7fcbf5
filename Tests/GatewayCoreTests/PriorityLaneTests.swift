import ChannelKit
import ChannelLoopback
import GatewayConfig
import GatewayStore
import Testing

@testable import GatewayCore

/// How an instance's priority lanes share its vendor budget.
struct PriorityLaneTests {
    static func instance() -> InstanceDispatchState {
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
    static func picks(_ instance: inout InstanceDispatchState, _ count: Int) -> [PriorityLane] {
        (0..<count).compactMap { _ in
            guard let chosen = instance.nextLane(wallNow: 0) else { return nil }
            _ = instance.queues[chosen].next(wallNow: 0)
            return chosen
        }
    }

    @Test func criticalGoesFirstThenTransactionalAndMarketingShareFourToOne() {
        var instance = Self.instance()
        instance.queues[.marketing].append(Self.messages(100, from: 1), wallNow: 0)
        instance.queues[.transactional].append(Self.messages(100, from: 1000), wallNow: 0)
        instance.queues[.critical].append(Self.messages(3, from: 5000), wallNow: 0)
        let picks = Self.picks(&instance, 53)
        #expect(Array(picks.prefix(3)) == [.critical, .critical, .critical])
        let shared = picks.dropFirst(3)
        #expect(shared.filter { $0 == .transactional }.count == 40)
        #expect(shared.filter { $0 == .marketing }.count == 10)
        // Marketing is never starved: it moves at least once in every five starts.
        for window in stride(from: 3, to: 53, by: 5) {
            #expect(picks[window..<(window + 5)].contains(.marketing))
        }
    }

    @Test func anIdleLaneLeavesTheWholeBudgetToTheOthers() {
        var instance = Self.instance()
        instance.queues[.marketing].append(Self.messages(10, from: 1), wallNow: 0)
        #expect(Self.picks(&instance, 10) == Array(repeating: .marketing, count: 10))
        #expect(instance.nextLane(wallNow: 0) == nil)
        // A critical message arriving mid-blast is the very next start.
        instance.queues[.marketing].append(Self.messages(10, from: 100), wallNow: 0)
        _ = Self.picks(&instance, 2)
        instance.queues[.critical].append(Self.messages(1, from: 200), wallNow: 0)
        #expect(instance.nextLane(wallNow: 0) == .critical)
    }

    @Test func aDeferredMessageWaitsForItsTime() {
        var instance = Self.instance()
        var deferred = Self.messages(1, from: 1)[0]
        deferred.nextAttemptAt = 5_000
        instance.queues[.marketing].append([deferred], wallNow: 1_000)
        #expect(instance.nextLane(wallNow: 4_999) == nil)
        #expect(instance.nextDueAt == 5_000)
        #expect(instance.nextLane(wallNow: 5_000) == .marketing)
    }
}
