import ChannelKit
import ControlProtocol
import Foundation
import GatewayConfig
import Logging
import Synchronization
import Testing

@testable import GatewayStore

/// Strategy runs in the SQLite store (design §5, §6): enrolment rules, the compare-and-set, sending through
/// admission, exits and durable timers. Real SQLite in a temporary directory, with an injected clock.
struct RunStoreTests {
    static let start: Int64 = 1_795_449_600_000 + 10 * 3_600_000  // 10:00 in Shanghai
    static let hour: Int64 = 3_600_000

    final class Fixture {
        let clock = ManualWallClock(RunStoreTests.start)
        let directory = NSTemporaryDirectory() + "cg-runs-" + UUID().uuidString
        var store: SQLiteMessageStore
        var policy = PolicyConfiguration()
        let key: [UInt8]?

        init(key: [UInt8]? = nil) throws {
            self.key = key
            store = try Self.open(directory, clock, key)
        }

        private static func open(_ directory: String, _ clock: ManualWallClock, _ key: [UInt8]?) throws
            -> SQLiteMessageStore
        {
            try SQLiteMessageStore(
                directory: directory, dedupWindow: .seconds(86_400), encryptionKey: key, maxPendingAccepts: 10_000,
                clock: clock, logger: Logger(label: "test"))
        }

        func reopen() throws {
            store.close()
            store = try Self.open(directory, clock, key)
            store.setPolicy(policy)
        }

        func setPolicy(_ policy: PolicyConfiguration) {
            self.policy = policy
            store.setPolicy(policy)
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
        func register(_ rules: [StrategyRules]) throws -> [String: Int] {
            try wait { done in store.register(rules, completion: done) }.get()
        }

        func customer(_ id: String, sms: String = "13800138000", zone: String? = nil) {
            let upsert = CustomerUpsert(id: id, addresses: ["sms": sms], zone: zone, at: clock.nowMilliseconds)
            let results = wait { done in _ = store.upsertCustomers([upsert], completion: done) }
            #expect(results.count == 1)
        }

        func enrol(_ strategy: String, _ customer: String, key: String? = nil) -> EnrolResult {
            enrol([Enrolment(strategy: strategy, customer: customer, enrolKey: key, startAt: 0, client: "test")])[0]
        }

        func enrol(_ enrolments: [Enrolment]) -> [EnrolResult] {
            wait { done in #expect(store.enrol(enrolments, completion: done)) }
        }

        func advance(_ advances: [RunAdvance]) -> [AdvanceResult] {
            wait { done in store.advance(advances, completion: done) }
        }

        func runs(_ customer: String) throws -> [RunSnapshot] {
            try wait { done in store.runs(of: customer, limit: 10, completion: done) }.get()
        }

        func exit(_ selector: RunSelector) throws -> RunExit {
            try wait { done in store.exit(selector, client: "test", completion: done) }.get()
        }

        func status(_ id: String) -> MessageStatus? {
            wait { done in store.status(of: id, completion: done) }
        }

        func dueTimers() throws -> [DueTimer] {
            try store.makeStrategyReader().dueTimers(after: .start, through: .max, limit: 100)
        }

        deinit {
            store.close()
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    static func rules(_ name: String, reenterAfter: Int64? = nil, holdout: Double = 0) -> StrategyRules {
        StrategyRules(
            name: name, fingerprint: "fp-" + name, source: "steps: []", reenterAfter: reenterAfter, holdout: holdout,
            firstStep: "push1")
    }

    static func runID(_ result: EnrolResult) -> Int64? {
        if case .enrolled(let runID, _, _) = result { return runID }
        return nil
    }

    static func refusal(_ result: EnrolResult) -> String? {
        if case .refused(let why) = result { return why.rawValue }
        return nil
    }

    /// A send step to `customer`'s phone on an SMS instance; on sent wait for a click, on suppressed finish.
    static func sendPlan(
        _ customer: String, messageID: String, zone: String? = nil, storedRecipient: String? = nil, at: Int64
    ) -> RunAdvance.Next {
        let message = OutboundMessage(
            id: messageID, channel: "sms-main", recipient: "13800138000", category: .marketing, content: "offer")
        var accept = AcceptRequest(
            message: message, channelType: "sms", customer: customer, dedupKey: "", clientDedupKey: nil,
            notAfter: nil)
        accept.timeZone = zone
        accept.storedRecipient = storedRecipient
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
        try fixture.register([Self.rules("once"), Self.rules("again", reenterAfter: Self.hour)])
        fixture.customer("C1")
        #expect(Self.refusal(fixture.enrol("nope", "C1")) == "unknown_strategy")
        #expect(Self.refusal(fixture.enrol("once", "C404")) == "unknown_customer")
        let first = try #require(Self.runID(fixture.enrol("once", "C1", key: "k1")))
        guard case .duplicate(let repeated) = fixture.enrol("once", "C1", key: "k1") else {
            Issue.record("a repeated enrol key is not a duplicate")
            return
        }
        #expect(repeated == first)
        // A key is the customer's: the same key sent for another customer enrols that customer.
        fixture.customer("C2")
        let other = try #require(Self.runID(fixture.enrol("once", "C2", key: "k1")))
        #expect(other != first)
        #expect(Self.refusal(fixture.enrol("once", "C1")) == "active")
        #expect(try fixture.exit(.run(first)) == .exited(runID: first))
        #expect(Self.refusal(fixture.enrol("once", "C1")) == "once")

        let again = try #require(Self.runID(fixture.enrol("again", "C1")))
        #expect(try fixture.exit(.customer("C1", strategy: "again")) == .exited(runID: again))
        #expect(Self.refusal(fixture.enrol("again", "C1")) == "reenter_after")
        fixture.clock.advance(milliseconds: Self.hour)
        let keyed = try #require(Self.runID(fixture.enrol("again", "C1", key: "ka")))
        #expect(try fixture.exit(.run(keyed)) == .exited(runID: keyed))
        fixture.clock.advance(milliseconds: Self.hour)
        guard case .duplicate(keyed)? = Optional(fixture.enrol("again", "C1", key: "ka")) else {
            Issue.record("a key within its window is not a duplicate")
            return
        }
        // Past the enrol key window the key is new again.
        fixture.store.setEnrolKeyWindow(.seconds(60))
        let renewed = try #require(Self.runID(fixture.enrol("again", "C1", key: "ka")))
        #expect(renewed != keyed)

        // The new run starts at the first step, ready, with a start timer at its revision.
        let run = try #require(try fixture.runs("C1").first)
        #expect(run.step == "push1" && run.state == .ready && run.rev == 1)
        #expect(run.timer?.kind == .start && run.timer?.rev == 1)

        // A strategy no longer registered is retired: no new runs.
        try fixture.register([Self.rules("again", reenterAfter: Self.hour)])
        #expect(Self.refusal(fixture.enrol("once", "C1")) == "retired")
    }

    @Test func registerMakesANewVersionOnlyForANewFingerprint() throws {
        let fixture = try Fixture()
        #expect(try fixture.register([Self.rules("s")]) == ["s": 1])
        #expect(try fixture.register([Self.rules("s")]) == ["s": 1])
        var changed = Self.rules("s")
        changed.fingerprint = "fp-2"
        #expect(try fixture.register([changed]) == ["s": 2])
        fixture.customer("C1")
        guard case .enrolled(_, let version, _) = fixture.enrol("s", "C1") else {
            Issue.record("not enrolled")
            return
        }
        #expect(version == 2)
        let source = try fixture.store.makeStrategyReader().definitionSource(strategy: "s", version: 1)
        #expect(source == "steps: []")
    }

    @Test func aCommitBudgetSplitsABigEnrolmentOverSeveralCommits() throws {
        let fixture = try Fixture()
        try fixture.register([Self.rules("s")])
        for index in 0..<35 { fixture.customer("C\(index)") }
        fixture.store.setStrategyCommitBudget(10)
        let before = fixture.store.commitCount
        let results = fixture.enrol(
            (0..<35).map { Enrolment(strategy: "s", customer: "C\($0)", enrolKey: nil, startAt: 0, client: "t") })
        #expect(results.count == 35)
        #expect(results.allSatisfy { Self.runID($0) != nil })
        #expect(fixture.store.commitCount - before >= 4)
        #expect(try fixture.dueTimers().count == 35)
    }

    /// A first `wait` (``StrategyRules/initialWait``) parks the run at enrolment exactly where the engine's
    /// advance of the start timer would: state, resume step, visit, history row and wake timer.
    @Test func anInitialWaitParksAtEnrolmentAsTheEnginesAdvanceWould() throws {
        let fixture = try Fixture()
        var parked = Self.rules("parked")
        parked.firstStep = "pause"
        parked.initialWait = StrategyRules.InitialWait(resume: "offer", milliseconds: 90_000)
        var engine = Self.rules("engine")
        engine.firstStep = "pause"
        try fixture.register([parked, engine])
        fixture.customer("C1")
        let now = fixture.clock.nowMilliseconds
        let startAt = now + 60_000
        let results = fixture.enrol([
            Enrolment(strategy: "parked", customer: "C1", enrolKey: nil, startAt: startAt, client: "test"),
            Enrolment(strategy: "engine", customer: "C1", enrolKey: nil, startAt: startAt, client: "test"),
        ])
        let parkedID = try #require(Self.runID(results[0]))
        let engineID = try #require(Self.runID(results[1]))
        // What the interpreter does at the start timer (StepInterpreterTests checks it against initialWait).
        let wait = RunAdvance(
            runID: engineID, expectedRev: 1, firedDueAt: startAt, at: startAt,
            effects: RunEffects(records: [
                RunStepRecord(visit: 1, step: "pause", kind: "wait", outcome: .waited, at: startAt)
            ]), next: .transition(.wait(resume: "offer", until: startAt + 90_000)))
        #expect(fixture.advance([wait]).count == 1)
        let runs = try fixture.runs("C1")
        let direct = try #require(runs.first { $0.runID == parkedID })
        let advanced = try #require(runs.first { $0.runID == engineID })
        #expect(direct.state == .waiting && advanced.state == .waiting)
        #expect(direct.step == "offer" && direct.step == advanced.step)
        #expect(direct.visits == 1 && direct.visits == advanced.visits)
        #expect(direct.waitingFor == nil && advanced.waitingFor == nil)
        let rows = { (run: RunSnapshot) in
            run.history.map { "\($0.visit) \($0.step) \($0.kind) \($0.outcome) \($0.at)" }
        }
        #expect(rows(direct) == ["1 pause wait waited \(startAt)"] && rows(direct) == rows(advanced))
        #expect(direct.timer?.kind == .wake && direct.timer?.kind == advanced.timer?.kind)
        #expect(direct.timer?.dueAt == startAt + 90_000 && direct.timer?.dueAt == advanced.timer?.dueAt)
        // One timer each, and the parked run's is the one its revision can win with.
        let timers = try fixture.dueTimers()
        let timer = try #require(timers.first { $0.runID == parkedID })
        #expect(timers.filter { $0.runID == parkedID }.count == 1)
        #expect(timer.dueAt == startAt + 90_000 && timer.rev == direct.rev && timer.kind == .wake)
    }

    @Test func twoAdvancesOnOneRevisionHaveOneWinner() throws {
        let fixture = try Fixture()
        try fixture.register([Self.rules("s")])
        fixture.customer("C1")
        let runID = try #require(Self.runID(fixture.enrol("s", "C1")))
        let now = fixture.clock.nowMilliseconds
        func wait(_ minutes: Int64) -> RunAdvance {
            RunAdvance(
                runID: runID, expectedRev: 1, firedDueAt: now, at: now,
                effects: RunEffects(records: [RunStepRecord(step: "push1", kind: "tag", outcome: .tagged, at: now)]),
                next: .transition(.wait(resume: "next", until: now + minutes * 60_000)))
        }
        let results = fixture.advance([wait(5), wait(10)])
        guard case .advanced(_, let rev, let state, _) = results[0], case .lost = results[1] else {
            Issue.record("expected one winner, got \(results)")
            return
        }
        #expect(rev == 2 && state == .waiting)
        // Nothing of the loser was written: one history row, the winner's timer.
        let run = try #require(try fixture.runs("C1").first)
        #expect(run.history.count == 1 && run.rev == 2)
        #expect(run.timer?.dueAt == now + 5 * 60_000 && run.timer?.rev == 2 && run.timer?.kind == .wake)
        // A stale timer firing later loses too.
        guard case .lost = fixture.advance([wait(1)])[0] else {
            Issue.record("a stale revision won")
            return
        }
    }

    @Test(arguments: [nil, [UInt8](repeating: 9, count: 32)] as [[UInt8]?])
    func aSendIsAdmittedAndInsertedWithTheRun(key: [UInt8]?) throws {
        let fixture = try Fixture(key: key)
        try fixture.register([Self.rules("s")])
        fixture.customer("C1")
        let queued = Mutex(0)
        fixture.store.onCommit { lanes in queued.withLock { $0 += lanes["sms-main"]?.total ?? 0 } }
        let runID = try #require(Self.runID(fixture.enrol("s", "C1")))
        let now = fixture.clock.nowMilliseconds
        // As the engine hands it over: the address in the form the directory stores it.
        let sealedRecipient = try #require(try FieldCipher(key: key).seal("13800138000"))
        let result = fixture.advance([
            RunAdvance(
                runID: runID, expectedRev: 1, firedDueAt: now, at: now, effects: RunEffects(),
                next: Self.sendPlan("C1", messageID: "m-run", storedRecipient: sealedRecipient, at: now))
        ])[0]
        guard case .advanced(_, _, let state, .sent(let messageID, let instance)?) = result else {
            Issue.record("not sent: \(result)")
            return
        }
        #expect(messageID == "m-run" && instance == "sms-main" && state == .waiting)
        #expect(fixture.status("m-run")?.state == .queued)
        // The message names the run's customer: with a store key, in the run's own sealed copy of the id.
        #expect(fixture.status("m-run")?.customer == "C1")
        let database = try SQLiteDatabase(path: fixture.directory + "/gateway.sqlite3", readOnly: true)
        let stored = try database.prepare(
            "SELECT m.customer = r.customer_sealed, m.customer FROM messages m JOIN runs r ON r.run_id = m.run_id")
        #expect(try stored.step() && stored.int(0) == 1)
        #expect((stored.string(1) == "C1") == (key == nil), "sealed only under a key")
        stored.reset()
        // The recipient handed over as stored is kept verbatim, and still reads back in clear.
        let recipient = try database.prepare("SELECT recipient FROM messages WHERE id = 'm-run'")
        #expect(try recipient.step() && recipient.string(0) == sealedRecipient)
        recipient.reset()
        #expect(fixture.status("m-run")?.recipient == "13800138000")
        #expect(queued.withLock { $0 } == 1)
        let run = try #require(try fixture.runs("C1").first)
        #expect(run.history.first?.outcome == .sent && run.history.first?.messageID == "m-run")
        #expect(run.waitingFor == WaitingFor(event: "clicked", step: "sms", onEvent: "done"))
        #expect(run.timer?.kind == .timeout)
    }

    @Test func anOptedOutCustomerFollowsTheSuppressedPath() throws {
        let fixture = try Fixture()
        try fixture.register([Self.rules("s")])
        fixture.customer("C1")
        _ = fixture.wait { done in
            fixture.store.changeConsent(
                [
                    ConsentChange(
                        subject: .customer("C1"), channel: "*", optOut: true, route: .api, evidence: nil,
                        client: "t")
                ], completion: done)
        }
        let runID = try #require(Self.runID(fixture.enrol("s", "C1")))
        let now = fixture.clock.nowMilliseconds
        let result = fixture.advance([
            RunAdvance(
                runID: runID, expectedRev: 1, firedDueAt: now, at: now, effects: RunEffects(),
                next: Self.sendPlan("C1", messageID: "m-out", at: now))
        ])[0]
        guard case .advanced(_, _, let state, .suppressed(let reason)?) = result else {
            Issue.record("not suppressed: \(result)")
            return
        }
        #expect(reason == "opted_out" && state == .finished)
        #expect(fixture.status("m-out") == nil)
        let run = try #require(try fixture.runs("C1").first)
        #expect(run.history.first?.outcome == .suppressed("opted_out"))
        #expect(run.outcome == .completed && run.timer == nil)
    }

    @Test func quietHoursDeferTheSendWithoutAMessageInTheCustomersZone() throws {
        let fixture = try Fixture()
        var policy = PolicyConfiguration()
        policy.quietHours = [
            QuietHoursRule(categories: [.marketing], channelTypes: ["sms"], allowedFrom: 8 * 60, allowedUntil: 21 * 60)
        ]
        fixture.setPolicy(policy)
        try fixture.register([Self.rules("s")])
        fixture.customer("C1")
        fixture.customer("C2", zone: "Europe/London")
        fixture.clock.advance(milliseconds: 12 * Self.hour)  // 22:00 in Shanghai, 14:00 in London
        let now = fixture.clock.nowMilliseconds
        let first = try #require(Self.runID(fixture.enrol("s", "C1")))
        let second = try #require(Self.runID(fixture.enrol("s", "C2")))
        let results = fixture.advance([
            RunAdvance(
                runID: first, expectedRev: 1, firedDueAt: now, at: now, effects: RunEffects(),
                next: Self.sendPlan("C1", messageID: "m-quiet", at: now)),
            RunAdvance(
                runID: second, expectedRev: 1, firedDueAt: now, at: now, effects: RunEffects(),
                // The engine puts the zone it read with the customer on the request.
                next: Self.sendPlan("C2", messageID: "m-london", zone: "Europe/London", at: now)),
        ])
        let opening = Self.start + 22 * Self.hour  // 08:00 next day in Shanghai
        guard case .advanced(_, _, let state, .deferred(let until)?) = results[0] else {
            Issue.record("not deferred: \(results[0])")
            return
        }
        // At the opening plus the run's share of the spread.
        #expect(until == opening + RunPlacement.spread(first, over: 1234) && state == .ready)
        #expect((opening..<opening + 1234).contains(until))
        #expect(fixture.status("m-quiet") == nil)
        let run = try #require(try fixture.runs("C1").first)
        #expect(run.step == "sms" && run.timer?.kind == .deferred && run.timer?.dueAt == until)
        // The same hour is day time in London: that customer's send goes now.
        guard case .advanced(_, _, _, .sent?) = results[1] else {
            Issue.record("not sent in the customer's zone: \(results[1])")
            return
        }
        #expect(fixture.status("m-london")?.state == .queued)
    }

    @Test func anExitMidWaitFinishesTheRunAndDeletesItsTimer() throws {
        let fixture = try Fixture()
        try fixture.register([Self.rules("s")])
        fixture.customer("C1")
        let runID = try #require(Self.runID(fixture.enrol("s", "C1")))
        let now = fixture.clock.nowMilliseconds
        _ = fixture.advance([
            RunAdvance(
                runID: runID, expectedRev: 1, firedDueAt: now, at: now, effects: RunEffects(),
                next: Self.sendPlan("C1", messageID: "m-exit", at: now))
        ])
        #expect(try fixture.dueTimers().map(\.runID) == [runID])
        let held = Mutex<[HeldRuns]>([])
        fixture.store.onHolds { runs in held.withLock { $0.append(runs) } }
        #expect(try fixture.exit(.customer("C1", strategy: "s")) == .exited(runID: runID))
        // The dispatcher hears the run and the message the exit cancelled (to take it off its queued count).
        let notice = try #require(held.withLock { $0 }.first)
        #expect(
            notice.runIDs == [runID] && notice.messages.map(\.channel) == ["sms-main"] && notice.messages.count == 1)
        #expect(try fixture.dueTimers().isEmpty)
        let run = try #require(try fixture.runs("C1").first)
        #expect(run.state == .finished && run.outcome == .cancelled && run.timer == nil)
        // Its message not yet sent is withdrawn; a second exit finds the run finished (`conflict` to the operator).
        #expect(fixture.status("m-exit")?.state == .cancelled)
        #expect(try fixture.exit(.run(runID)) == .alreadyFinished(runID: runID))
        // By customer and strategy too: their newest run, finished, rather than "no such run".
        #expect(try fixture.exit(.customer("C1", strategy: "s")) == .alreadyFinished(runID: runID))
        #expect(try fixture.exit(.customer("C2", strategy: "s")) == .notFound)
        #expect(try fixture.exit(.customer("C1", strategy: "other")) == .notFound)
    }

    @Test func timersSurviveAReopen() throws {
        let fixture = try Fixture()
        try fixture.register([Self.rules("s")])
        fixture.customer("C1")
        fixture.customer("C2")
        let first = try #require(Self.runID(fixture.enrol("s", "C1")))
        let second = try #require(Self.runID(fixture.enrol("s", "C2")))
        try fixture.reopen()
        let timers = try fixture.dueTimers()
        #expect(timers.map(\.runID) == [first, second])
        #expect(timers.allSatisfy { $0.kind == .start && $0.rev == 1 })
        // The engine's read of those runs carries the customer.
        let runs = try fixture.store.makeStrategyReader().runs([first, second]) { _, _ in .all }
        #expect(runs.map { $0.customer?.id } == ["C1", "C2"])
        #expect(runs.first?.customer?.addresses["sms"] == "13800138000")
    }

    @Test func effectsTagTheCustomerAndHandOffInTheSameCommit() throws {
        let fixture = try Fixture()
        try fixture.register([Self.rules("s"), Self.rules("react")])
        fixture.customer("C1")
        let runID = try #require(Self.runID(fixture.enrol("s", "C1")))
        let now = fixture.clock.nowMilliseconds
        let effects = RunEffects(
            records: [
                RunStepRecord(step: "lost", kind: "tag", outcome: .tagged, at: now),
                RunStepRecord(step: "reactivate", kind: "handoff", outcome: .handedOff, at: now),
            ], tagsAdded: ["lost"], handoffs: ["react", "nope"])
        let result = fixture.advance([
            RunAdvance(
                runID: runID, expectedRev: 1, firedDueAt: now, at: now, effects: effects,
                next: .transition(.finished(.completed)))
        ])[0]
        guard case .advanced(_, _, .finished, nil) = result else {
            Issue.record("not finished: \(result)")
            return
        }
        let profile = try #require(try fixture.wait { done in fixture.store.customer("C1", completion: done) }.get())
        #expect(profile.facts.tags == ["lost"])
        let runs = try fixture.runs("C1")
        #expect(runs.map(\.strategy).sorted() == ["react", "s"])
        let finished = try #require(runs.first { $0.strategy == "s" })
        // The refused handoff is a history row after the steps, numbered on.
        #expect(finished.history.map(\.visit) == [1, 2, 3])
        #expect(finished.history.last?.outcome.rawValue == "refused:unknown_strategy")
        #expect(finished.history.last?.step == "reactivate")
        let list = try fixture.wait { done in fixture.store.strategies(completion: done) }.get()
        let counts = Dictionary(uniqueKeysWithValues: list.map { ($0.name, $0.versions.first) })
        #expect(counts["s"]??.active == 0 && counts["s"]??.finished == 1)
        #expect(counts["react"]??.active == 1 && counts["react"]??.finished == 0)
    }
}

extension RunStoreTests {
    /// Parks the run at `step` (waiting, a wake timer in `minutes`) from revision `rev`.
    static func park(_ runID: Int64, rev: Int64, at step: String, now: Int64, minutes: Int64 = 30) -> RunAdvance {
        RunAdvance(
            runID: runID, expectedRev: rev, firedDueAt: now, at: now, effects: RunEffects(),
            next: .transition(.wait(resume: step, until: now + minutes * 60_000)))
    }

    @Test func anExitAndAnOptOutHoldTheirRunsAfterTheCommit() throws {
        let fixture = try Fixture()
        var optingOut = Self.rules("s")
        optingOut.exitOn = ["opted_out"]
        try fixture.register([optingOut])
        fixture.customer("C1")
        fixture.customer("C2")
        let held = Mutex<[[Int64]]>([])
        fixture.store.onHolds { runs in held.withLock { $0.append(runs.runIDs) } }
        let first = try #require(Self.runID(fixture.enrol("s", "C1")))
        let second = try #require(Self.runID(fixture.enrol("s", "C2")))
        #expect(held.withLock { $0 }.isEmpty)
        #expect(try fixture.exit(.run(first)) == .exited(runID: first))
        #expect(held.withLock { $0 } == [[first]])
        // EVT's opt-out exit goes through the same finish.
        let change = ConsentChange(
            subject: .customer("C2"), channel: "*", optOut: true, route: .api, evidence: nil, client: "t")
        _ = try fixture.wait { done in fixture.store.changeConsent([change], completion: done) }.get()
        #expect(held.withLock { $0 } == [[first], [second]])
        // An exit that finds the run already finished holds nothing.
        #expect(try fixture.exit(.run(first)) == .alreadyFinished(runID: first))
        #expect(held.withLock { $0 }.count == 2)
    }

    @Test func migrateMovesParkedRunsOfOlderVersionsByTheCompareAndSet() throws {
        let fixture = try Fixture()
        try fixture.register([Self.rules("s")])
        for id in ["C1", "C2", "C3", "C4"] { fixture.customer(id) }
        let waiting = try #require(Self.runID(fixture.enrol("s", "C1")))
        let elsewhere = try #require(Self.runID(fixture.enrol("s", "C2")))
        let ready = try #require(Self.runID(fixture.enrol("s", "C3")))
        let now = fixture.clock.nowMilliseconds
        _ = fixture.advance([
            Self.park(waiting, rev: 1, at: "old", now: now), Self.park(elsewhere, rev: 1, at: "other", now: now),
        ])
        var second = Self.rules("s")
        second.fingerprint = "fp-s-2"
        #expect(try fixture.register([second]) == ["s": 2])
        let newer = try #require(Self.runID(fixture.enrol("s", "C4")))
        fixture.store.migrateBatch = 1
        let commits = fixture.store.commitCount
        let moves = ["old": "new", "push1": "first"]
        let moved = try fixture.wait { done in fixture.store.migrate(strategy: "s", moves: moves, completion: done) }
        #expect(try moved.get() == 2)
        // One run per commit here: two full commits and the one that found none left.
        #expect(fixture.store.commitCount - commits >= 3)
        let runs = Dictionary(
            uniqueKeysWithValues: try ["C1", "C2", "C3", "C4"].map { ($0, try #require(try fixture.runs($0).first)) })
        #expect(runs["C1"]?.version == 2 && runs["C1"]?.step == "new" && runs["C1"]?.rev == 3)
        #expect(runs["C1"]?.timer?.rev == 3 && runs["C1"]?.timer?.dueAt == now + 30 * 60_000)
        #expect(runs["C1"]?.timer?.kind == .wake)
        #expect(runs["C3"]?.version == 2 && runs["C3"]?.step == "first" && runs["C3"]?.rev == 2)
        #expect(runs["C3"]?.timer?.rev == 2 && runs["C3"]?.timer?.kind == .start)
        // Not parked at a moved step, or already on the latest version: untouched.
        #expect(runs["C2"]?.version == 1 && runs["C2"]?.step == "other" && runs["C2"]?.rev == 2)
        #expect(runs["C4"]?.version == 2 && runs["C4"]?.step == "push1" && runs["C4"]?.rev == 1)
        // A timer the engine read before the move loses its compare-and-set.
        guard case .lost = fixture.advance([Self.park(waiting, rev: 2, at: "x", now: now)])[0] else {
            Issue.record("a timer of the old revision won")
            return
        }
        #expect(runs["C4"]?.runID == newer)
        let again = try fixture.wait { done in fixture.store.migrate(strategy: "s", moves: moves, completion: done) }
        #expect(try again.get() == 0)
    }

    @Test func enrolKeysPastTheWindowArePrunedByThePruneTurn() throws {
        let fixture = try Fixture()
        fixture.store.setEnrolKeyWindow(.seconds(3600))
        try fixture.register([Self.rules("s", reenterAfter: 0)])
        fixture.customer("C1")
        fixture.customer("C2")
        _ = try #require(Self.runID(fixture.enrol("s", "C1", key: "k1")))
        fixture.clock.advance(milliseconds: 2 * Self.hour)
        _ = try #require(Self.runID(fixture.enrol("s", "C2", key: "k2")))
        // The next turn prunes (more than a minute since the last) before it commits the barrier.
        fixture.clock.advance(milliseconds: 120_000)
        fixture.wait { done in fixture.store.barrier { done(()) } }
        let database = try SQLiteDatabase(path: fixture.directory + "/gateway.sqlite3", readOnly: true)
        let keys = try database.prepare("SELECT run_id FROM enrol_keys")
        var left: [Int64] = []
        while try keys.step() { left.append(keys.int64(0) ?? 0) }
        #expect(left.count == 1)
        let plan = try database.prepare("EXPLAIN QUERY PLAN SELECT key FROM enrol_keys WHERE created_at < 5")
        var detail = ""
        while try plan.step() { detail += plan.string(3) ?? "" }
        #expect(detail.contains("enrol_keys_created"))
    }

    /// The send's score update decays the old row in SQL with the same arithmetic as ``ChannelScore`` (one upsert).
    @Test func aSecondSendDecaysTheScoreLikeChannelScore() throws {
        let fixture = try Fixture()
        let halfLife = 2 * Self.hour
        fixture.store.setAffinity(AffinitySettings(halfLife: .milliseconds(halfLife)))
        try fixture.register([Self.rules("a"), Self.rules("b")])
        fixture.customer("C1")
        var expected: ChannelScoreRow?
        for (index, strategy) in ["a", "b"].enumerated() {
            let runID = try #require(Self.runID(fixture.enrol(strategy, "C1")))
            let now = fixture.clock.nowMilliseconds
            let result = fixture.advance([
                RunAdvance(
                    runID: runID, expectedRev: 1, firedDueAt: now, at: now, effects: RunEffects(),
                    next: Self.sendPlan("C1", messageID: "m-\(index)", at: now))
            ])[0]
            guard case .advanced(_, _, _, .sent?) = result else {
                Issue.record("not sent: \(result)")
                return
            }
            expected = ChannelScore(halfLife: halfLife).afterSend(expected, at: now)
            fixture.clock.advance(milliseconds: Self.hour)
        }
        let profile = try #require(try fixture.wait { done in fixture.store.customer("C1", completion: done) }.get())
        // 1 decayed over half a half-life, plus 1: 1.707…, not 2.
        #expect(profile.facts.scores["sms"] == expected)
        #expect(expected?.sendsTotal == 2 && (expected?.sends ?? 0) < 1.8)
    }
}
