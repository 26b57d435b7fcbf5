import ChannelKit
import ControlProtocol
import Foundation
import GatewayConfig
import Testing

@testable import GatewayStore

/// Events into runs (design §7, §10): the `event` operation, vendor receipts, tracked clicks and opt-outs reach
/// the runs they concern in the transaction that records them. Real SQLite, the runs fixture's clock.
struct RunEventTests {
    typealias Fixture = RunStoreTests.Fixture
    static let hour = RunStoreTests.hour

    static func rules(
        _ name: String, exitOn: [String] = [], goal: String? = nil, firstTouch: Bool = false, holdout: Double = 0
    ) -> StrategyRules {
        StrategyRules(
            name: name, fingerprint: "fp-" + name, source: "steps: []", exitOn: exitOn, goalEvent: goal,
            goalWithin: 14 * 24 * hour, firstTouch: firstTouch, holdout: holdout, firstStep: "sms")
    }

    /// A send step `step` over SMS to C1's phone with a tracked link `token`, then `then`.
    static func send(
        _ step: String, messageID: String, token: String? = nil, then transition: RunTransition
    ) -> RunAdvance.Next {
        let message = OutboundMessage(
            id: messageID, channel: "sms-main", recipient: "13800138000", category: .marketing, content: "offer")
        var accept = AcceptRequest(
            message: message, channelType: "sms", customer: "C1", dedupKey: nil, clientDedupKey: nil, notAfter: nil)
        if let token { accept.links = [(token: token, url: "https://bank.example/loan")] }
        return .send(
            SendPlan(
                step: step, candidates: [SendPlan.Candidate(accept: accept, instance: "sms-main", channelType: "sms")],
                onSent: RunContinuation(transition: transition),
                onSuppressed: RunContinuation(transition: .finished(.completed))))
    }

    /// Enrols C1 in `strategy` and sends step `sms` (message `messageID`), parking the run on a `wait_for`
    /// `event` on that step within 48 h. Returns the run id.
    static func parked(
        _ fixture: Fixture, _ strategy: String, messageID: String, event: String = "clicked", token: String? = nil
    ) throws -> Int64 {
        let runID = try #require(RunStoreTests.runID(fixture.enrol(strategy, "C1")))
        let now = fixture.clock.nowMilliseconds
        let result = fixture.advance([
            RunAdvance(
                runID: runID, expectedRev: 1, firedDueAt: now, at: now, effects: RunEffects(),
                next: send(
                    "sms", messageID: messageID, token: token,
                    then: .waitFor(
                        step: "wait", WaitingFor(event: event, step: "sms", onEvent: "done"),
                        timeoutAt: now + 48 * hour)))
        ])[0]
        guard case .advanced(_, _, .waiting, .sent?) = result else {
            Issue.record("not parked: \(result)")
            return runID
        }
        return runID
    }

    static func event(
        _ id: String, _ type: EngagementEvent.Kind, message: String? = nil, customer: String? = nil,
        value: String? = nil, custom: String? = nil, at: Int64
    ) -> EngagementEvent {
        EngagementEvent(
            eventID: id, messageID: message, customer: customer, type: type, value: value, occurredAt: at,
            client: "test", customName: custom)
    }

    static func record(_ fixture: Fixture, _ event: EngagementEvent) throws -> EventResult {
        try fixture.wait { done in fixture.store.recordEvent(event, completion: done) }.get()
    }

    @Test func anEventOnTheTouchSettlesTheWaitingRun() throws {
        let fixture = try Fixture()
        try fixture.register([Self.rules("s")])
        fixture.customer("C1")
        let runID = try Self.parked(fixture, "s", messageID: "m1")
        let now = fixture.clock.nowMilliseconds
        // An event on another step's name or another type leaves it parked.
        #expect(try Self.record(fixture, Self.event("e0", .opened, message: "m1", at: now)) == .recorded)
        #expect(try fixture.runs("C1").first?.state == .waiting)

        #expect(try Self.record(fixture, Self.event("e1", .clicked, message: "m1", at: now)) == .recorded)
        let run = try #require(try fixture.runs("C1").first)
        #expect(run.runID == runID && run.state == .ready && run.step == "done")
        #expect(run.timer?.kind == .wake && run.timer?.dueAt == now && run.timer?.rev == run.rev)
        #expect(run.history.last?.outcome == .event("clicked"))
        #expect(run.history.first?.clickedAt == now && run.history.first?.openedAt == now)
        // A repeat of the event id changes nothing.
        #expect(try Self.record(fixture, Self.event("e1", .clicked, message: "m1", at: now)) == .duplicate)
        let report = try #require(try fixture.store.strategyReport("s", version: nil))
        let touch = report.lines.first { $0.step == "sms" && $0.channelType == "sms" }?.counters
        #expect(touch?.sent == 1 && touch?.clicked == 1 && touch?.opened == 1)
        // Entries of a step are the visits its outcomes close: the send, and the wait the click ended.
        #expect(touch?.entered == 1 && report.step("wait", group: .treated).entered == 1)
        #expect(report.treated.enrolled == 1 && report.treated.active == 1)
        #expect(try fixture.store.strategyReport("nope", version: nil) == nil)
    }

    @Test func anEventAndATimeoutRacingHaveOneWinner() throws {
        let fixture = try Fixture()
        try fixture.register([Self.rules("s")])
        fixture.customer("C1")
        let runID = try Self.parked(fixture, "s", messageID: "m1")
        let parked = try #require(try fixture.runs("C1").first)
        let timer = try #require(parked.timer)
        let now = fixture.clock.nowMilliseconds
        // The event commits first; the engine's timeout, read at the parked revision, then loses its CAS.
        let timeout = RunAdvance(
            runID: runID, expectedRev: timer.rev, firedDueAt: timer.dueAt, at: now,
            effects: RunEffects(records: [RunStepRecord(step: "wait", kind: "wait_for", outcome: .timedOut, at: now)]),
            next: .transition(.finished(.completed)))
        #expect(try Self.record(fixture, Self.event("e1", .clicked, message: "m1", at: now)) == .recorded)
        guard case .lost = fixture.advance([timeout])[0] else {
            Issue.record("the timeout won after the event")
            return
        }
        let run = try #require(try fixture.runs("C1").first)
        #expect(run.state == .ready && run.step == "done")
        #expect(run.history.filter { $0.outcome == .timedOut }.isEmpty)
        #expect(run.history.filter { $0.outcome == .event("clicked") }.count == 1)

        // The other order: a timeout that won first leaves a later event nothing to settle.
        try fixture.register([Self.rules("s"), Self.rules("t")])
        let second = try Self.parked(fixture, "t", messageID: "m2")
        let waiting = try #require(try fixture.runs("C1").first { $0.runID == second }?.timer)
        let won = fixture.advance([
            RunAdvance(
                runID: second, expectedRev: waiting.rev, firedDueAt: waiting.dueAt, at: now,
                effects: RunEffects(
                    records: [RunStepRecord(step: "wait", kind: "wait_for", outcome: .timedOut, at: now)]),
                next: .transition(.finished(.completed)))
        ])[0]
        guard case .advanced(_, _, .finished, _) = won else {
            Issue.record("the timeout did not win: \(won)")
            return
        }
        #expect(try Self.record(fixture, Self.event("e2", .clicked, message: "m2", at: now)) == .recorded)
        let finished = try #require(try fixture.runs("C1").first { $0.runID == second })
        #expect(finished.state == .finished && finished.outcome == .completed)
        #expect(finished.history.filter { $0.outcome == .event("clicked") }.isEmpty)
    }

    @Test func aConversionMidWaitExitsAtOnceAndIsAttributed() throws {
        let fixture = try Fixture()
        try fixture.register([Self.rules("s", exitOn: ["converted"], goal: "converted")])
        fixture.customer("C1")
        _ = try Self.parked(fixture, "s", messageID: "m1")
        fixture.clock.advance(milliseconds: Self.hour)
        let now = fixture.clock.nowMilliseconds
        #expect(
            try Self.record(fixture, Self.event("e1", .converted, customer: "C1", value: "1200.5", at: now))
                == .recorded)
        let run = try #require(try fixture.runs("C1").first)
        #expect(run.state == .finished && run.outcome == .exited && run.timer == nil)
        #expect(run.history.last?.outcome == .exited)
        // Credited once: a second conversion adds nothing to the run.
        #expect(
            try Self.record(fixture, Self.event("e2", .converted, customer: "C1", value: "9", at: now)) == .recorded)
        let report = try #require(try fixture.store.strategyReport("s", version: 1))
        let credited = report.step("sms", group: .treated)
        #expect(credited.converted == 1 && credited.conversionValue == 1200.5)
        #expect(report.uplift.treatedConverted == 1 && report.uplift.treatedRuns == 1)
        #expect(report.treatedValue == 1200.5)
        #expect(report.treated.finished == 1 && report.treated.active == 0)
        #expect(report.step("wait", group: .treated).exited == 1)
    }

    @Test func anOptOutExitsTheRunAndWithdrawsItsQueuedMessage() throws {
        let fixture = try Fixture()
        try fixture.register([Self.rules("s", exitOn: ["opted_out"]), Self.rules("keep")])
        fixture.customer("C1")
        _ = try Self.parked(fixture, "s", messageID: "m1")
        _ = try Self.parked(fixture, "keep", messageID: "m2")
        #expect(fixture.status("m1")?.state == .queued)
        // An opt-out of the customer's address on SMS finds the customer through the directory.
        let changed = fixture.wait { done in
            fixture.store.changeConsent(
                [
                    ConsentChange(
                        subject: .address("13800138000"), channel: "sms", optOut: true, route: .smsReply,
                        evidence: "mo-1", client: "test")
                ], completion: done)
        }
        #expect((try? changed.get()) == 1)
        let runs = try fixture.runs("C1")
        let exited = try #require(runs.first { $0.strategy == "s" })
        #expect(exited.state == .finished && exited.outcome == .optedOut && exited.timer == nil)
        #expect(fixture.status("m1")?.state == .cancelled)
        #expect(fixture.status("m1")?.reason == "opted_out")
        // A strategy that does not exit on opt-outs keeps its run (its sends are suppressed at send time).
        let kept = try #require(runs.first { $0.strategy == "keep" })
        #expect(kept.state == .waiting && fixture.status("m2")?.state == .queued)
    }

    @Test func attributionCreditsTheLastOrTheFirstTouchInTheWindow() throws {
        let fixture = try Fixture()
        try fixture.register([
            Self.rules("last", goal: "converted"), Self.rules("first", goal: "converted", firstTouch: true),
        ])
        fixture.customer("C1")
        for strategy in ["last", "first"] {
            let runID = try #require(RunStoreTests.runID(fixture.enrol(strategy, "C1")))
            let now = fixture.clock.nowMilliseconds
            let sent = fixture.advance([
                RunAdvance(
                    runID: runID, expectedRev: 1, firedDueAt: now, at: now, effects: RunEffects(),
                    next: Self.send("sms", messageID: strategy + "-1", then: .ready(step: "sms2", at: now)))
            ])[0]
            guard case .advanced(_, let rev, _, .sent?) = sent else {
                Issue.record("first send: \(sent)")
                return
            }
            fixture.clock.advance(milliseconds: Self.hour)
            let later = fixture.clock.nowMilliseconds
            let again = fixture.advance([
                RunAdvance(
                    runID: runID, expectedRev: rev, firedDueAt: later, at: later, effects: RunEffects(),
                    next: Self.send("sms2", messageID: strategy + "-2", then: .finished(.completed)))
            ])[0]
            guard case .advanced(_, _, .finished, .sent?) = again else {
                Issue.record("second send: \(again)")
                return
            }
        }
        fixture.clock.advance(milliseconds: Self.hour)
        let now = fixture.clock.nowMilliseconds
        #expect(try Self.record(fixture, Self.event("e1", .converted, customer: "C1", at: now)) == .recorded)
        let last = try #require(try fixture.store.strategyReport("last", version: nil))
        #expect(last.step("sms2", group: .treated).converted == 1 && last.step("sms", group: .treated).converted == 0)
        let first = try #require(try fixture.store.strategyReport("first", version: nil))
        #expect(first.step("sms", group: .treated).converted == 1 && first.step("sms2", group: .treated).converted == 0)
        #expect(first.channelType("sms", group: .treated).converted == 1)
        // A conversion outside the window is not attributed to these runs.
        let stale = try Fixture()
        try stale.register([Self.rules("late", goal: "converted")])
        stale.customer("C1")
        _ = try Self.parked(stale, "late", messageID: "x1")
        stale.clock.advance(milliseconds: 15 * 24 * Self.hour)
        #expect(
            try Self.record(stale, Self.event("e1", .converted, customer: "C1", at: stale.clock.nowMilliseconds))
                == .recorded)
        #expect(try stale.store.strategyReport("late", version: nil)?.uplift.treatedConverted == 0)
    }

    @Test func aTrackedClickOpensAnSMSTouchAndAReceiptDelivers() throws {
        let fixture = try Fixture()
        try fixture.register([Self.rules("s")])
        fixture.customer("C1")
        _ = try Self.parked(fixture, "s", messageID: "m1", event: "opened", token: "tok1")
        let now = fixture.clock.nowMilliseconds
        let tally = try fixture.wait { done in
            fixture.store.recordReceipts(
                channel: "sms-main", [Receipt(vendorMessageID: nil, messageID: "m1", event: .delivered)],
                completion: done)
        }.get()
        #expect(tally.matched == 1)
        #expect(try fixture.runs("C1").first?.history.first?.deliveredAt == now)
        #expect(try fixture.wait { done in fixture.store.click("tok1", completion: done) }.get() != nil)
        let run = try #require(try fixture.runs("C1").first)
        // A click on SMS is its only open: the wait for `opened` on the step is met.
        #expect(run.state == .ready && run.step == "done")
        #expect(run.history.first?.openedAt == now && run.history.first?.clickedAt == now)
        let counters = try #require(try fixture.store.strategyReport("s", version: nil)).step("sms", group: .treated)
        #expect(counters.delivered == 1 && counters.opened == 1 && counters.clicked == 1)
    }

    @Test func aCustomEventReachesTheCustomersWaitingRun() throws {
        let fixture = try Fixture()
        try fixture.register([Self.rules("s", exitOn: ["applied"])])
        fixture.customer("C1")
        _ = try Self.parked(fixture, "s", messageID: "m1", event: "applied")
        let now = fixture.clock.nowMilliseconds
        #expect(
            try Self.record(fixture, Self.event("e1", .custom, customer: "C1", custom: "applied", at: now))
                == .recorded)
        let run = try #require(try fixture.runs("C1").first)
        // `exit_on` wins over the wait: the run ends.
        #expect(run.state == .finished && run.outcome == .exited)
    }

    @Test func aClickOnTheOfficialAccountEarnsPrefersWechatOA() throws {
        let fixture = try Fixture()
        try fixture.register([Self.rules("s")])
        fixture.customer("C1")
        let now = fixture.clock.nowMilliseconds
        // The issue's first customer: push ignored twice, SMS once (scored as strategy sends are).
        for type in ["app_push", "app_push", "sms"] {
            try fixture.wait { done in
                fixture.store.perform(
                    { writer, _, _ throws(StoreError) in
                        let cn = try writer.customerStatements.number(ck: writer.customerKey("C1")) ?? 0
                        try writer.recordScoreSend(cn: cn, channelType: type, at: now)
                    },
                    completion: done)
            }.get()
        }
        // Then the Official Account: its send is a run's touch, its click the engagement.
        let runID = try #require(RunStoreTests.runID(fixture.enrol("s", "C1")))
        let message = OutboundMessage(
            id: "oa-1", channel: "oa-main", recipient: "openid-1", category: .marketing, template: "loan_offer_oa")
        var accept = AcceptRequest(
            message: message, channelType: "wechat_oa", customer: "C1", dedupKey: "", clientDedupKey: nil,
            notAfter: nil)
        accept.links = [(token: "oa-tok", url: "https://bank.example/loan")]
        let sent = fixture.advance([
            RunAdvance(
                runID: runID, expectedRev: 1, firedDueAt: now, at: now, effects: RunEffects(),
                next: .send(
                    SendPlan(
                        step: "wechat",
                        candidates: [SendPlan.Candidate(accept: accept, instance: "oa-main", channelType: "wechat_oa")],
                        onSent: RunContinuation(
                            transition: .waitFor(
                                step: "wait-any", WaitingFor(event: "clicked", step: nil, onEvent: "done"),
                                timeoutAt: now + 72 * Self.hour)),
                        onSuppressed: RunContinuation(transition: .finished(.completed)))))
        ])[0]
        guard case .advanced(_, _, .waiting, .sent?) = sent else {
            Issue.record("not sent: \(sent)")
            return
        }
        let scores = { () throws -> [String: ChannelScoreRow] in
            try #require(try fixture.wait { done in fixture.store.customer("C1", completion: done) }.get()).facts.scores
        }
        // The admitted send counted on the score, in the advance's transaction; no tag before any engagement.
        #expect(try scores()["wechat_oa"]?.sendsTotal == 1)
        let before = try #require(try fixture.wait { done in fixture.store.customer("C1", completion: done) }.get())
        #expect(!before.facts.tags.contains("prefers:wechat_oa"))
        #expect(try fixture.wait { done in fixture.store.click("oa-tok", completion: done) }.get() != nil)
        let profile = try #require(try fixture.wait { done in fixture.store.customer("C1", completion: done) }.get())
        #expect(profile.facts.tags.contains("prefers:wechat_oa"))
        #expect(profile.facts.scores["wechat_oa"]?.engagements == 1)
        #expect(profile.facts.scores["wechat_oa"]?.sendsTotal == 1)
        // The any-step wait for a click is met, and the OA touch counts as opened.
        let run = try #require(try fixture.runs("C1").first)
        #expect(run.state == .ready && run.step == "done")
        #expect(run.history.first?.openedAt == now)
    }

    @Test func anSMSReplyReachesTheSendersNewestSMSTouch() throws {
        let fixture = try Fixture()
        try fixture.register([Self.rules("s")])
        fixture.customer("C1")
        _ = try Self.parked(fixture, "s", messageID: "m1", event: "replied")
        // An unknown number reaches nobody.
        #expect(
            try fixture.wait { done in fixture.store.recordReplies(["13900000000"], at: nil, completion: done) }.get()
                == 0)
        #expect(try fixture.runs("C1").first?.state == .waiting)
        let reached = try fixture.wait { done in
            fixture.store.recordReplies(["+86 138 0013 8000"], at: nil, completion: done)
        }.get()
        #expect(reached == 1)
        let run = try #require(try fixture.runs("C1").first)
        #expect(run.state == .ready && run.step == "done")
        #expect(run.history.first?.repliedAt == fixture.clock.nowMilliseconds)
        #expect(try fixture.store.strategyReport("s", version: nil)?.step("sms", group: .treated).replied == 1)
    }

    @Test func anOpenAboutACustomerReachesTheNewestTouchOfItsChannelType() throws {
        let fixture = try Fixture()
        try fixture.register([Self.rules("s")])
        fixture.customer("C1")
        _ = try Self.parked(fixture, "s", messageID: "m1", event: "opened")
        let now = fixture.clock.nowMilliseconds
        // Without a channel type it is about app push touches: this run has none.
        #expect(try Self.record(fixture, Self.event("e1", .opened, customer: "C1", at: now)) == .recorded)
        #expect(try fixture.runs("C1").first?.state == .waiting)
        var sms = Self.event("e2", .opened, customer: "C1", at: now)
        sms.channelType = "sms"
        #expect(try Self.record(fixture, sms) == .recorded)
        let run = try #require(try fixture.runs("C1").first)
        #expect(run.state == .ready && run.step == "done" && run.history.first?.openedAt == now)
    }
}
