import Testing

@testable import GatewayStore

/// The writer's sizing of strategy commits (``CommitPacer``) and the split that commits sends ahead of them.
@Suite struct CommitPacerTests {
    @Test func startsSmallThenFitsTheTargetAtTheMeasuredCost() {
        var pacer = CommitPacer()
        pacer.awaited(at: 0)
        #expect(pacer.budget(limit: 500, now: 0) == 128)
        #expect(pacer.budget(limit: 50, now: 0) == 50)
        // 100 items in 4 ms: 40 µs each, so the 2 ms target holds 50.
        pacer.observe(items: 100, took: .microseconds(4_000))
        #expect(pacer.budget(limit: 500, now: 0) == 50)
        #expect(pacer.budget(limit: 40, now: 0) == 40)
    }

    @Test func smallCommitsDoNotShrinkTheBudget() {
        var pacer = CommitPacer()
        pacer.awaited(at: 0)
        pacer.observe(items: 100, took: .microseconds(4_000))
        // Timed over the items alone, a commit of 32 costs the same per item: no spiral towards the floor.
        for _ in 0..<20 { pacer.observe(items: 32, took: .microseconds(32 * 40)) }
        #expect(pacer.budget(limit: 500, now: 0) == 50)
    }

    @Test func dearItemsMeetTheFloorAndCheapOnesTheLimit() {
        var dear = CommitPacer()
        dear.awaited(at: 0)
        dear.observe(items: 10, took: .milliseconds(10))  // 1 ms an item
        #expect(dear.budget(limit: 500, now: 0) == CommitPacer.floor)
        var cheap = CommitPacer()
        cheap.observe(items: 1_000, took: .microseconds(1_000))  // 1 µs an item
        #expect(cheap.budget(limit: 500, now: 0) == 500)
        // Nothing measured from an empty commit.
        cheap.observe(items: 0, took: .milliseconds(50))
        #expect(cheap.budget(limit: 500, now: 0) == 500)
    }

    @Test func whileNobodyWaitsCommitsTakeTheLongTargetAndTheFirstAwaitedAnswerRestoresTheShortOne() {
        var pacer = CommitPacer()
        pacer.observe(items: 100, took: .microseconds(4_000))  // 40 µs an item
        // Nothing awaited yet (a burst of timers after start): the quiet target, 40 ms = 1,000 items.
        #expect(pacer.budget(limit: 5_000, now: 0) == 1_000)
        #expect(pacer.budget(limit: 500, now: 0) == 500)
        pacer.awaited(at: 10_000)
        #expect(pacer.budget(limit: 5_000, now: 10_000) == 50)
        #expect(pacer.budget(limit: 5_000, now: 10_999) == 50)
        // A second after the last awaited operation the writer counts as quiet again.
        #expect(pacer.budget(limit: 5_000, now: 11_000) == 1_000)
        // Which operations someone waits on: sends and receipts yes; the dispatcher's records and strategy work no.
        let send = StoreOperation.accept([]) { _ in }
        let records = StoreOperation.record([])
        let enrol = StoreOperation.enrol(
            [Enrolment(strategy: "s", customer: "c1", enrolKey: nil, startAt: 0, client: "test")][...],
            RunResults(expected: 1) { _ in })
        #expect(send.isAwaited && !records.isAwaited && !enrol.isAwaited)
    }

    @Test func sendsCommitAheadOfStrategyWorkButNotOfOrderKeepingOperations() {
        let item = Enrolment(strategy: "s", customer: "c1", enrolKey: nil, startAt: 0, client: "test")
        let enrol = StoreOperation.enrol([item][...], RunResults(expected: 1) { _ in })
        let send = StoreOperation.accept([]) { _ in }
        let status = StoreOperation.status("m1") { _ in }
        let (ahead, rest) = StoreOperation.aheadOfStrategyWork([enrol, send, status, send])
        #expect(ahead.map(Self.kind) == ["accept"])
        #expect(rest.map(Self.kind) == ["enrol", "status", "accept"])
        // Without strategy work the batch stays one commit.
        let (none, whole) = StoreOperation.aheadOfStrategyWork([send, status])
        #expect(none.isEmpty && whole.map(Self.kind) == ["accept", "status"])
    }

    private static func kind(_ operation: StoreOperation) -> String {
        switch operation {
        case .accept: "accept"
        case .enrol: "enrol"
        case .status: "status"
        default: "other"
        }
    }
}
