import ChannelKit
import GatewayStore
import Testing

@testable import GatewayCore

/// The timers heap of a priority lane: releases in due order, oldest commit first among equal times.
struct MessageTimersTests {
    static func message(_ sequence: Int64, due: Int64) -> StoredMessage {
        StoredMessage(
            sequence: sequence, message: OutboundMessage(id: "m\(sequence)", channel: "a", recipient: "u\(sequence)"),
            notAfter: nil, attempts: 0, nextAttemptAt: due)
    }

    static func drain(_ timers: inout MessageTimers) -> [Int64] {
        var order: [Int64] = []
        while let next = timers.popFirst() { order.append(next.sequence) }
        return order
    }

    @Test func releasesByDueTimeThenSequenceWhateverTheInsertionOrder() {
        // Sequences 1...200, due in four groups, inserted in a scrambled order.
        var expected: [(sequence: Int64, due: Int64)] = (1...200).map { ($0, 1_000 * ($0 % 4)) }
        var timers = MessageTimers()
        var generator = SplitMix(seed: 7)
        for entry in expected.shuffled(using: &generator) {
            timers.insert(Self.message(entry.sequence, due: entry.due))
        }
        #expect(timers.count == 200)
        #expect(timers.first?.sequence == 4)
        expected.sort { $0.due != $1.due ? $0.due < $1.due : $0.sequence < $1.sequence }
        #expect(Self.drain(&timers) == expected.map(\.sequence))
        #expect(timers.isEmpty)
    }

    @Test func removingAMessageKeepsTheRestInOrder() {
        var timers = MessageTimers()
        for sequence in Int64(1)...50 { timers.insert(Self.message(sequence, due: 100 - sequence)) }
        #expect(timers.remove(sequence: 50)?.sequence == 50)
        #expect(timers.remove(sequence: 20)?.sequence == 20)
        #expect(timers.remove(sequence: 99) == nil)
        #expect(Self.drain(&timers) == Array((1...49).reversed()).filter { $0 != 20 })
    }

    /// A fixed sequence of draws, so the scrambled order is the same on every run.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
}

extension MessageTimersTests {
    @Test func removingASetKeepsTheRestInOrderInTheHeapAndTheWindow() {
        var timers = MessageTimers()
        for sequence in Int64(1)...60 { timers.insert(Self.message(sequence, due: 1_000 + (sequence * 37) % 11)) }
        let gone = Set((Int64(1)...60).filter { $0 % 3 == 0 })
        #expect(timers.remove(sequences: gone) == 20)
        #expect(timers.remove(sequences: gone) == 0)
        let expected = (Int64(1)...60).filter { !gone.contains($0) }.sorted {
            let (a, b) = (1_000 + ($0 * 37) % 11, 1_000 + ($1 * 37) % 11)
            return a != b ? a < b : $0 < $1
        }
        #expect(Self.drain(&timers) == expected)

        // A lane: its ready window (part of it already taken) and its timers, in one pass.
        var lane = PriorityQueue()
        lane.append((Int64(1)...10).map { Self.message($0, due: $0 > 8 ? 5_000 : 0) }, wallNow: 1_000)
        _ = lane.popReady()
        #expect(lane.remove(sequences: [1, 3, 4, 9]) == 3)
        var order: [Int64] = []
        while let next = lane.next(wallNow: 10_000) { order.append(next.sequence) }
        #expect(order == [10, 2, 5, 6, 7, 8])
    }
}
