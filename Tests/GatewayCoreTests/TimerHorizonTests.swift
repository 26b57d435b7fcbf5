import GatewayStore
import Testing

@testable import GatewayCore

/// The engine's bounded window of due timers: due order, its bound, and nothing popped before it is due.
struct TimerHorizonTests {
    @Test func popsInDueOrderThenRunIDOrder() {
        var horizon = TimerHorizon(capacity: 10)
        for (run, due) in [(5, 300), (2, 100), (9, 100), (1, 200), (7, 50)] {
            horizon.insert(DueTimer(runID: Int64(run), dueAt: Int64(due), rev: 1, kind: .wake))
        }
        var order: [Int64] = []
        while let timer = horizon.popFirst() { order.append(timer.runID) }
        #expect(order == [7, 2, 9, 1, 5])
    }

    @Test func refusesBeyondItsCapacity() {
        var horizon = TimerHorizon(capacity: 3)
        for run in 1...3 {
            let added = horizon.insert(DueTimer(runID: Int64(run), dueAt: 10, rev: 1, kind: .start))
            #expect(added)
        }
        #expect(horizon.isFull)
        let overflow = horizon.insert(DueTimer(runID: 4, dueAt: 1, rev: 1, kind: .start))
        #expect(!overflow)
        #expect(horizon.count == 3)
        #expect(horizon.first?.runID == 1)
    }

    @Test func popsOnlyWhatIsDue() {
        var horizon = TimerHorizon(capacity: 8)
        horizon.insert(DueTimer(runID: 1, dueAt: 1_000, rev: 1, kind: .wake))
        horizon.insert(DueTimer(runID: 2, dueAt: 2_000, rev: 1, kind: .wake))
        #expect(horizon.popDue(now: 999) == nil)
        #expect(horizon.popDue(now: 1_500)?.runID == 1)
        #expect(horizon.popDue(now: 1_500) == nil)
        #expect(horizon.popDue(now: 2_000)?.runID == 2)
        #expect(horizon.isEmpty)
    }

    @Test func keepsHeapOrderUnderManyInserts() {
        var horizon = TimerHorizon(capacity: 1_000)
        var generator = SplitMix64(seed: 42)
        for run in 0..<1_000 {
            horizon.insert(DueTimer(runID: Int64(run), dueAt: Int64(generator.next() % 10_000), rev: 1, kind: .wake))
        }
        var last = DueTimer.Cursor.start
        while let timer = horizon.popFirst() {
            #expect(last < timer.cursor)
            last = timer.cursor
        }
    }

    @Test func fireBudgetHoldsCatchUpBelowItsRate() {
        var budget = FireBudget(liveRate: 1_000, catchUpRate: 100, now: 0)
        var catchUp = 0
        while budget.takeCatchUp(now: 0) { catchUp += 1 }
        // The burst is a tenth of a second's worth: 10 catch-up fires, and live still has room.
        #expect(catchUp == 10)
        var live = 0
        while budget.takeLive(now: 0) { live += 1 }
        #expect(live == 90)
        // After one second: 100 more catch-up at most.
        catchUp = 0
        while budget.takeCatchUp(now: 1_000_000_000) { catchUp += 1 }
        #expect(catchUp == 10)
    }
}
