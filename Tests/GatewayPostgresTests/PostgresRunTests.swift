import ChannelKit
import ControlProtocol
import Foundation
import GatewayConfig
import GatewayStore
import Logging
import PostgresTesting
import Synchronization
import Testing

@testable import GatewayPostgres

/// Strategy runs on a real PostgreSQL through ``PostgresMessageStore`` (the SQLite store's RunStoreTests, by
/// meaning), and what only several nodes on one database can get wrong: two nodes advancing one run, and whose
/// engine a timer fires on.
@Suite struct PostgresRunTests {
    static let hour: Int64 = 3_600_000

    /// Nodes on a database of their own, sharing a hand-moved clock.
    final class Fixture {
        let clock = PostgresOperatorTests.Clock()
        let url: String
        let connection: PostgresConnection
        private var stores: [String: PostgresMessageStore] = [:]

        init() throws {
            let cluster = try PostgresCluster.shared
            url = cluster.url(database: try cluster.createDatabase())
            connection = try PostgresConnection(try PostgresConnectionString(Secret(url)))
        }

        /// The store of node `name`, opened on first use.
        func node(_ name: String = "a") throws -> PostgresMessageStore {
            if let store = stores[name] { return store }
            let store = try PostgresMessageStore(
                configuration: PostgresStoreConfiguration(url: Secret(url), nodeName: name),
                dedupWindow: .seconds(86_400), encryptionKey: nil, maxPendingAccepts: 10_000, clock: clock,
                logger: Logger(label: "test"))
            stores[name] = store
            return store
        }

        func close(_ name: String) {
            stores.removeValue(forKey: name)?.close()
        }

        func wait<Value: Sendable>(_ body: (@escaping @Sendable (Value) -> Void) -> Void) -> Value {
            let done = DispatchSemaphore(value: 0)
            let box = Mutex<Value?>(nil)
            body { value in
                box.withLock { $0 = value }
                done.signal()
            }
            done.wait()
            return box.withLock { $0! }
        }

        @discardableResult
        func register(_ rules: [StrategyRules], on node: String = "a") throws -> [String: Int] {
            let store = try self.node(node)
            return try wait { done in store.register(rules, completion: done) }.get()
        }

        func customer(_ id: String, sms: String = "13800138000") throws {
            let store = try node()
            let upsert = CustomerUpsert(id: id, addresses: ["sms": sms], at: clock.nowMilliseconds)
            let results = wait { done in _ = store.upsertCustomers([upsert], completion: done) }
            _ = try #require(results.first).get()
        }

        func enrol(_ strategy: String, _ customer: String, key: String? = nil, on node: String = "a") throws
            -> EnrolResult
        {
            let store = try self.node(node)
            let enrolment = Enrolment(strategy: strategy, customer: customer, enrolKey: key, startAt: 0, client: "test")
            return wait { done in #expect(store.enrol([enrolment], completion: done)) }[0]
        }

        func advance(_ advances: [RunAdvance], on node: String = "a") throws -> [AdvanceResult] {
            let store = try self.node(node)
            return wait { done in store.advance(advances, completion: done) }
        }

        func runs(_ customer: String) throws -> [RunSnapshot] {
            let store = try node()
            return try wait { done in store.runs(of: customer, limit: 10, completion: done) }.get()
        }

        func dueTimers(on node: String = "a") throws -> [DueTimer] {
            try self.node(node).makeStrategyReader().dueTimers(after: .start, through: .max, limit: 100)
        }

        func scalar(_ sql: String) throws -> String? { try connection.query(PostgresStatement(sql)).scalar }

        deinit { for store in stores.values { store.close() } }
    }

    static func rules(_ name: String, reenterAfter: Int64? = nil) -> StrategyRules {
        StrategyRules(
            name: name, fingerprint: "fp-" + name, source: "steps: []", reenterAfter: reenterAfter, firstStep: "push1")
    }

    static func runID(_ result: EnrolResult) -> Int64? {
        if case .enrolled(let runID, _, _) = result { return runID }
        return nil
    }

    static func refusal(_ result: EnrolResult) -> String? {
        if case .refused(let why) = result { return why.rawValue }
        return nil
    }

    /// A send step to the customer's phone on an SMS instance; on sent wait for a click, on suppressed finish.
    static func sendPlan(_ customer: String, messageID: String, at: Int64) -> RunAdvance.Next {
        let message = OutboundMessage(
            id: messageID, channel: "sms-main", recipient: "13800138000", category: .marketing, content: "offer")
        let accept = AcceptRequest(
            message: message, channelType: "sms", customer: customer, dedupKey: "", clientDedupKey: nil, notAfter: nil)
        return .send(
            SendPlan(
                step: "sms",
                candidates: [SendPlan.Candidate(accept: accept, instance: "sms-main", channelType: "sms")],
                onSent: RunContinuation(
                    transition: .waitFor(
                        step: "wait", WaitingFor(event: "clicked", step: "sms", onEvent: "done"),
                        timeoutAt: at + 48 * hour)),
                onSuppressed: RunContinuation(transition: .finished(.completed)), deferralSpread: 1234))
    }

    @Test func enrolmentFollowsEntryRulesAndEnrolKeys() throws {
        let fixture = try Fixture()
        #expect(
            try fixture.register([Self.rules("s"), Self.rules("again", reenterAfter: Self.hour)]) == [
                "s": 1, "again": 1,
            ])
        try fixture.customer("C1")
        let first = try #require(Self.runID(try fixture.enrol("s", "C1", key: "k1")))
        // The same key on another node answers with the first run; the customer is in it already.
        guard case .duplicate(let runID) = try fixture.enrol("s", "C1", key: "k1", on: "b") else {
            Issue.record("the enrol key did not hold across nodes")
            return
        }
        #expect(runID == first)
        #expect(Self.refusal(try fixture.enrol("s", "C1", on: "b")) == "active")
        #expect(Self.refusal(try fixture.enrol("s", "nobody")) == "unknown_customer")
        #expect(Self.refusal(try fixture.enrol("missing", "C1")) == "unknown_strategy")
        // Its start timer is claimed by the node whose commit wrote it.
        #expect(try fixture.dueTimers().map(\.runID) == [first])
        #expect(try fixture.dueTimers(on: "b").isEmpty)
        // A new fingerprint is version 2; a name left out is retired and refuses enrolments.
        var changed = Self.rules("s")
        changed.fingerprint = "fp-s-2"
        #expect(try fixture.register([changed], on: "b") == ["s": 2])
        #expect(Self.refusal(try fixture.enrol("again", "C1")) == "retired")
        let list = try fixture.wait { done in try! fixture.node().strategies(completion: done) }.get()
        #expect(list.map(\.name) == ["again", "s"])
        #expect(list.last?.versions.map(\.version) == [1, 2] && list.last?.versions.first?.active == 1)
    }

    @Test func aSendIsAdmittedInsertedAndTheRunWaitsForTheClick() throws {
        let fixture = try Fixture()
        try fixture.register([Self.rules("s")])
        try fixture.customer("C1")
        let queued = Mutex(0)
        try fixture.node().onCommit { lanes in queued.withLock { $0 += lanes["sms-main"]?.total ?? 0 } }
        let runID = try #require(Self.runID(try fixture.enrol("s", "C1")))
        let now = fixture.clock.nowMilliseconds
        let result = try fixture.advance([
            RunAdvance(
                runID: runID, expectedRev: 1, firedDueAt: now, at: now, effects: RunEffects(),
                next: Self.sendPlan("C1", messageID: "m-run", at: now))
        ])[0]
        guard case .advanced(_, let rev, let state, .sent(let messageID, let instance)?) = result else {
            Issue.record("not sent: \(result)")
            return
        }
        #expect(rev == 2 && messageID == "m-run" && instance == "sms-main" && state == .waiting)
        // The dispatcher is told at the end of the writer's turn, after the advance has answered.
        let deadline = ContinuousClock.now.advanced(by: .seconds(5))
        while queued.withLock({ $0 }) == 0, ContinuousClock.now < deadline { usleep(5_000) }
        #expect(queued.withLock { $0 } == 1)
        #expect(
            try fixture.scalar("SELECT state || ' ' || run_id || ' ' || run_visit FROM messages WHERE id = 'm-run'")
                == "queued \(runID) 1")
        let run = try #require(try fixture.runs("C1").first)
        #expect(run.history.first?.outcome == .sent && run.history.first?.messageID == "m-run")
        #expect(run.waitingFor == WaitingFor(event: "clicked", step: "sms", onEvent: "done"))
        #expect(run.timer?.kind == .timeout && run.timer?.dueAt == now + 48 * Self.hour)
        // The send counted on the customer's score, and on the step's counters.
        #expect(try fixture.scalar("SELECT sends_total FROM channel_scores WHERE channel_type = 'sms'") == "1")
        #expect(try fixture.scalar("SELECT n FROM step_counters WHERE step = 'sms' AND counter = 'sent'") == "1")
    }

    @Test func twoNodesAdvancingOneRunHaveOneWinner() throws {
        let fixture = try Fixture()
        try fixture.register([Self.rules("s")])
        try fixture.customer("C1")
        let runID = try #require(Self.runID(try fixture.enrol("s", "C1")))
        let now = fixture.clock.nowMilliseconds
        let advances = [5, 6].map { minutes in
            RunAdvance(
                runID: runID, expectedRev: 1, firedDueAt: now, at: now,
                effects: RunEffects(records: [RunStepRecord(step: "push1", kind: "tag", outcome: .tagged, at: now)]),
                next: .transition(.wait(resume: "next", until: now + Int64(minutes) * 60_000)))
        }
        let stores = [try fixture.node("a"), try fixture.node("b")]
        // Both submitted before either answers: the second waits on the first's lock on the run.
        let results = Mutex<[AdvanceResult]>([])
        let done = DispatchGroup()
        for (store, advance) in zip(stores, advances) {
            done.enter()
            store.advance([advance]) { result in
                results.withLock { $0 += result }
                done.leave()
            }
        }
        done.wait()
        let all = results.withLock { $0 }
        let won = all.filter { if case .advanced = $0 { true } else { false } }
        let lost = all.filter { if case .lost = $0 { true } else { false } }
        #expect(won.count == 1 && lost.count == 1, "\(all)")
        // Nothing of the loser was written: one history row, one revision on.
        let run = try #require(try fixture.runs("C1").first)
        #expect(run.history.count == 1 && run.rev == 2)
    }

    @Test func aStoppedNodesTimersAreFiredByAnother() throws {
        let fixture = try Fixture()
        try fixture.register([Self.rules("s")])
        try fixture.customer("C1")
        try fixture.customer("C2")
        let mine = try #require(Self.runID(try fixture.enrol("s", "C1", on: "a")))
        let theirs = try #require(Self.runID(try fixture.enrol("s", "C2", on: "b")))
        #expect(try fixture.dueTimers(on: "a").map(\.runID) == [mine])
        #expect(try fixture.dueTimers(on: "b").map(\.runID) == [theirs])
        fixture.close("b")
        // Released with the node's messages: any node reads it now, whatever its cursor.
        #expect(try fixture.scalar("SELECT count(*) FROM run_timers WHERE claimed_by IS NULL") == "1")
        let reader = try fixture.node("a").makeStrategyReader()
        let late = DueTimer.Cursor(dueAt: fixture.clock.nowMilliseconds + 1, runID: .max)
        #expect(try reader.dueTimers(after: late, through: .max, limit: 10).map(\.runID) == [theirs])
        // Fired on this node, the timer it writes is this node's.
        let now = fixture.clock.nowMilliseconds
        let result = try fixture.advance([
            RunAdvance(
                runID: theirs, expectedRev: 1, firedDueAt: now, at: now, effects: RunEffects(),
                next: .transition(.wait(resume: "next", until: now + 60_000)))
        ])
        guard case .advanced = result[0] else {
            Issue.record("not advanced: \(result)")
            return
        }
        #expect(try fixture.scalar("SELECT claimed_by FROM run_timers WHERE run_id = \(theirs)") == "a")
    }

    @Test func anExitMidWaitFinishesTheRunWithdrawsItsMessageAndHoldsIt() throws {
        let fixture = try Fixture()
        try fixture.register([Self.rules("s")])
        try fixture.customer("C1")
        let held = Mutex<[HeldRuns]>([])
        try fixture.node().onHolds { runs in held.withLock { $0.append(runs) } }
        let runID = try #require(Self.runID(try fixture.enrol("s", "C1")))
        let now = fixture.clock.nowMilliseconds
        _ = try fixture.advance([
            RunAdvance(
                runID: runID, expectedRev: 1, firedDueAt: now, at: now, effects: RunEffects(),
                next: Self.sendPlan("C1", messageID: "m-exit", at: now))
        ])
        let store = try fixture.node("b")
        let exit = try fixture.wait { done in
            store.exit(.customer("C1", strategy: "s"), client: "test", completion: done)
        }.get()
        #expect(exit == .exited(runID: runID))
        #expect(
            try fixture.scalar("SELECT state || ' ' || reason FROM messages WHERE id = 'm-exit'")
                == "cancelled run_exited")
        #expect(try fixture.scalar("SELECT count(*) FROM run_timers") == "0")
        let run = try #require(try fixture.runs("C1").first)
        #expect(run.state == .finished && run.outcome == .cancelled && run.history.last?.outcome == .exited)
        // The other node hears of the withdrawn message as the exit commits (its dispatcher may have paged it in).
        let sequence = try #require(Int64(try fixture.scalar("SELECT seq FROM messages WHERE id = 'm-exit'") ?? ""))
        let deadline = ContinuousClock.now.advanced(by: .seconds(5))
        while held.withLock({ $0 }).isEmpty, ContinuousClock.now < deadline { usleep(10_000) }
        #expect(
            held.withLock { $0 } == [HeldRuns(messages: [HeldRuns.Message(sequence: sequence, channel: "sms-main")])])
        let again = try fixture.wait { done in store.exit(.run(runID), client: "test", completion: done) }.get()
        #expect(again == .alreadyFinished(runID: runID))
    }

    @Test func anOptedOutCustomerFollowsTheSuppressedPath() throws {
        let fixture = try Fixture()
        try fixture.register([Self.rules("s")])
        try fixture.customer("C1")
        let store = try fixture.node()
        let change = ConsentChange(
            subject: .customer("C1"), channel: "*", optOut: true, route: .api, evidence: nil, client: "test")
        _ = try fixture.wait { done in store.changeConsent([change], completion: done) }.get()
        let runID = try #require(Self.runID(try fixture.enrol("s", "C1")))
        let now = fixture.clock.nowMilliseconds
        let result = try fixture.advance([
            RunAdvance(
                runID: runID, expectedRev: 1, firedDueAt: now, at: now, effects: RunEffects(),
                next: Self.sendPlan("C1", messageID: "m-out", at: now))
        ])[0]
        guard case .advanced(_, _, let state, .suppressed(let reason)?) = result else {
            Issue.record("not suppressed: \(result)")
            return
        }
        #expect(state == .finished && reason == "opted_out")
        #expect(try fixture.scalar("SELECT count(*) FROM messages") == "0")
    }

    @Test func migrateMovesParkedRunsOfOlderVersions() throws {
        let fixture = try Fixture()
        try fixture.register([Self.rules("s")])
        for id in ["C1", "C2"] { try fixture.customer(id) }
        let runs = [
            try #require(Self.runID(try fixture.enrol("s", "C1"))),
            try #require(Self.runID(try fixture.enrol("s", "C2"))),
        ]
        var changed = Self.rules("s")
        changed.fingerprint = "fp-s-2"
        try fixture.register([changed])
        let store = try fixture.node("b")
        let moved = try fixture.wait { done in
            store.migrate(strategy: "s", moves: ["push1": "push1b"], completion: done)
        }
        .get()
        #expect(moved == 2)
        #expect(
            try fixture.scalar("SELECT string_agg(version || step, ',' ORDER BY run_id) FROM runs") == "2push1b,2push1b"
        )
        // Their timers moved to the new revision, on the node that moved them.
        #expect(try fixture.dueTimers(on: "b").map(\.runID).sorted() == runs.sorted())
        #expect(try fixture.dueTimers(on: "b").allSatisfy { $0.rev == 2 })
    }

    @Test func pruningTakesFinishedRunsPastTheGoalWindowAndEnrolKeysPastTheirs() throws {
        let fixture = try Fixture()
        try fixture.register([Self.rules("s")])
        try fixture.customer("C1")
        try fixture.customer("C2")
        let old = try #require(Self.runID(try fixture.enrol("s", "C1", key: "old")))
        let young = try #require(Self.runID(try fixture.enrol("s", "C2", key: "young")))
        let store = try fixture.node()
        _ = try fixture.wait { done in store.exit(.run(old), client: "test", completion: done) }.get()
        _ = try fixture.wait { done in store.exit(.run(young), client: "test", completion: done) }.get()
        // The old run finished 181 days ago and its key is 31 days old; the young run finished a day ago.
        let day: Int64 = 86_400_000
        let now = fixture.clock.nowMilliseconds
        _ = try fixture.connection.query(
            PostgresStatement(
                "UPDATE runs SET finished_at = $2 WHERE run_id = $1", [String(old), String(now - 181 * day)]))
        _ = try fixture.connection.query(
            PostgresStatement(
                "UPDATE runs SET finished_at = $2 WHERE run_id = $1", [String(young), String(now - day)]))
        _ = try fixture.connection.query(
            PostgresStatement(
                "UPDATE enrol_keys SET created_at = $2 WHERE run_id = $1", [String(old), String(now - 31 * day)]))
        let connection = try PostgresConnection(try PostgresConnectionString(Secret(fixture.url)))
        #expect(!store.prune(connection, now: now, capWindow: 0))
        #expect(try fixture.scalar("SELECT string_agg(run_id::text, ',') FROM runs") == String(young))
        #expect(try fixture.scalar("SELECT count(*) FROM run_steps WHERE run_id = \(old)") == "0")
        #expect(try fixture.scalar("SELECT string_agg(run_id::text, ',') FROM enrol_keys") == String(young))
        // The counters and the entry stay: the funnel and `entry: once` still know the customer entered.
        #expect(try fixture.scalar("SELECT count(*) FROM strategy_entries") == "2")
        #expect(try fixture.scalar("SELECT n FROM step_counters WHERE step = '(run)' AND counter = 'entered'") == "2")
    }

    @Test func aCapCountsTheSendsOfRunsAdvancedInOnePart() throws {
        let fixture = try Fixture()
        var policy = PolicyConfiguration()
        policy.caps = [
            FrequencyCap(name: "daily", category: .marketing, max: 1, per: .seconds(86_400), perChannel: false)
        ]
        let store = try fixture.node()
        store.setPolicy(policy)
        try fixture.register([Self.rules("s"), Self.rules("t")])
        try fixture.customer("C1")
        let first = try #require(Self.runID(try fixture.enrol("s", "C1")))
        let second = try #require(Self.runID(try fixture.enrol("t", "C1")))
        let now = fixture.clock.nowMilliseconds
        // One customer's two runs send in one batch: the cap of one lets the first through and holds the second.
        let results = try fixture.advance([
            RunAdvance(
                runID: first, expectedRev: 1, firedDueAt: now, at: now, effects: RunEffects(),
                next: Self.sendPlan("C1", messageID: "m-first", at: now)),
            RunAdvance(
                runID: second, expectedRev: 1, firedDueAt: now, at: now, effects: RunEffects(),
                next: Self.sendPlan("C1", messageID: "m-second", at: now)),
        ])
        guard case .advanced(_, _, _, .sent(let sent, _)?) = results[0] else {
            Issue.record("the first was not sent: \(results)")
            return
        }
        #expect(sent == "m-first")
        switch results[1] {
        case .advanced(_, _, _, .sent?):
            Issue.record("the cap let a second send through: \(results)")
        case .advanced:
            break
        default:
            Issue.record("the second run did not advance: \(results)")
        }
        #expect(try fixture.scalar("SELECT string_agg(id, ',') FROM messages") == "m-first")
        #expect(try fixture.scalar("SELECT count(*) FROM cap_events") == "1")
        // Both sends counted on the customer's one score row in memory, the second not at all.
        #expect(try fixture.scalar("SELECT sends_total FROM channel_scores") == "1")
    }
}
