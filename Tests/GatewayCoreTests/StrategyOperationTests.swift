import ControlProtocol
import GatewayJSON
import GatewayStore
import Synchronization
import Testing

@testable import GatewayCore

/// The strategy operations' wire forms (enrol, enrol_batch, exit, runs, strategies, report strategy) and the feed's
/// new kinds of line: what decodes, what is refused with which field, and what clients read back.
struct StrategyOperationTests {
    static func decode(_ line: String) -> ControlRequest.Decoded {
        Array(line.utf8).withUnsafeBufferPointer { ControlRequest.decode(line: $0, maxBatch: 10) }
    }

    /// The error a request line is refused with.
    static func refusal(_ line: String) throws -> ControlError {
        let decoded = decode(line)
        guard case .failure(let error) = decoded.request else {
            Issue.record("\(line) was accepted")
            throw ExpectationFailedError()
        }
        return error
    }

    struct ExpectationFailedError: Error {}

    static func parse(_ line: String) throws -> JSONValue { try JSONParser.parse(line) }

    // MARK: the feed's kinds

    @Test func strategyChangesWriteDesignLines() throws {
        let at: Int64 = 1_795_000_000_000
        let run = StateChange.run(
            runID: 7, strategy: "first-loan", version: 2, customer: "C-\"1", step: "push1", state: "waiting",
            outcome: nil, at: at)
        #expect(run.kind == .run)
        #expect(
            run.line
                == #"{"event":"run","run_id":7,"strategy":"first-loan","version":2,"customer":"C-\"1","step":"push1","state":"waiting","outcome":null,"at":"2026-11-18T11:06:40.000Z"}"#
        )
        let tag = StateChange.tag(customer: "C-1", tag: "prefers:wechat_oa", added: false, source: "affinity", at: at)
        #expect(tag.kind == .tag)
        #expect(
            tag.line
                == #"{"event":"tag","customer":"C-1","tag":"prefers:wechat_oa","change":"removed","source":"affinity","at":"2026-11-18T11:06:40.000Z"}"#
        )
        let conversion = StateChange.conversion(
            runID: nil, strategy: "first-loan", customer: "C-1", step: nil, channelType: nil, value: 2500.5, at: at)
        #expect(conversion.kind == .conversion)
        let json = try Self.parse(conversion.line)
        #expect(json["event"] == .string("conversion"))
        #expect(json["run_id"] == .null)
        #expect(json["step"] == .null)
        #expect(json["value"] == .number("2500.5"))
        // A non-finite value would make the line invalid JSON.
        let infinite = StateChange.conversion(
            runID: 3, strategy: "s", customer: "C", step: "sms", channelType: "sms", value: .infinity, at: at)
        #expect(try Self.parse(infinite.line)["value"] == .null)
    }

    @Test func messageStateLinesAreUnchanged() {
        let change = StateChange(
            messageID: "m1", customer: nil, channel: "sms-a", category: "marketing", state: .sent, reason: nil,
            at: 1_795_000_000_000)
        #expect(change.kind == .state)
        #expect(
            change.line
                == #"{"event":"state","message_id":"m1","customer":null,"channel":"sms-a","category":"marketing","state":"sent","reason":null,"at":"2026-11-18T11:06:40.000Z"}"#
        )
    }

    @Test func feedFiltersByKindAndMessageFiltersKeepOnlyStates() {
        let state = StateChange(
            messageID: "m1", customer: "C-1", channel: "sms-a", category: "marketing", state: .sent, reason: nil, at: 1)
        let run = StateChange.run(
            runID: 1, strategy: "s", version: 1, customer: "C-1", step: "a", state: "ready", outcome: nil, at: 1)
        let tag = StateChange.tag(customer: "C-1", tag: "vip", added: true, source: "strategy:s", at: 1)
        #expect([state, run, tag].filter(ChangeFeed.Filter().admits).count == 3)
        #expect([state, run, tag].filter(ChangeFeed.Filter(kinds: [.run, .tag]).admits).map(\.kind) == [.run, .tag])
        // A subscriber filtering on message fields keeps the stream it had before strategies.
        #expect([state, run, tag].filter(ChangeFeed.Filter(states: [.sent]).admits).map(\.kind) == [.state])
        #expect([state, run, tag].filter(ChangeFeed.Filter(channels: ["sms-a"], kinds: [.run]).admits).isEmpty)
    }

    @Test func feedDeliversOnlyAdmittedKinds() {
        let feed = ChangeFeed()
        let received = Mutex<[String]>([])
        feed.subscribe(ChangeFeed.Filter(kinds: [.conversion])) { lines, _ in
            received.withLock { $0 += lines }
            return true
        }
        feed.publish([
            StateChange.run(
                runID: 1, strategy: "s", version: 1, customer: "C", step: "a", state: "ready", outcome: nil, at: 1),
            StateChange.conversion(
                runID: 1, strategy: "s", customer: "C", step: "a", channelType: "sms", value: nil, at: 2),
        ])
        let lines = received.withLock { $0 }
        #expect(lines.count == 1)
        #expect(lines.first?.hasPrefix(#"{"event":"conversion""#) == true)
    }

    @Test func subscribeTakesKindsAndRefusesUnknownOnes() throws {
        let decoded = Self.decode(#"{"op":"subscribe","kinds":["run","tag"]}"#)
        guard case .subscribe(let request)? = try? decoded.request.get() else {
            Issue.record("not a subscribe request")
            return
        }
        #expect(request.kinds == [.run, .tag])
        let single = Self.decode(#"{"op":"subscribe","kinds":"conversion"}"#)
        guard case .subscribe(let one)? = try? single.request.get() else {
            Issue.record("not a subscribe request")
            return
        }
        #expect(one.kinds == [.conversion])
        let error = try Self.refusal(#"{"op":"subscribe","kinds":["runs"]}"#)
        #expect(error.field == "kinds")
        #expect(error.message.contains("state, run, tag, conversion"))
    }

    @Test func streamLinesOfEveryKindReadBack() throws {
        let at: Int64 = 1_795_000_000_000
        let run = StateChange.run(
            runID: 9, strategy: "s", version: 3, customer: "C-1", step: "done", state: "finished",
            outcome: "completed", at: at)
        guard case .run(let parsed)? = StreamEvent(json: try Self.parse(run.line)) else {
            Issue.record("not a run line")
            return
        }
        #expect(parsed.runID == 9)
        #expect(parsed.version == 3)
        #expect(parsed.outcome == "completed")
        let tag = StateChange.tag(customer: "C-1", tag: "lost", added: true, source: "strategy:s", at: at)
        guard case .tag(let tagged)? = StreamEvent(json: try Self.parse(tag.line)) else {
            Issue.record("not a tag line")
            return
        }
        #expect(tagged.added && tagged.tag == "lost")
        let conversion = StateChange.conversion(
            runID: 9, strategy: "s", customer: "C-1", step: "sms", channelType: "sms", value: 10, at: at)
        guard case .conversion(let converted)? = StreamEvent(json: try Self.parse(conversion.line)) else {
            Issue.record("not a conversion line")
            return
        }
        #expect(converted.channelType == "sms")
        #expect(converted.value == "10.0")
        #expect(StreamEvent(json: try Self.parse(#"{"event":"forget","customer_hash":"f:ab"}"#)) != nil)
        guard case .other(let event, _)? = StreamEvent(json: try Self.parse(#"{"event":"forget"}"#)) else {
            Issue.record("an unknown event is not kept as such")
            return
        }
        #expect(event == "forget")
    }

    // MARK: requests

    @Test func enrolNamesTheFieldAtFault() throws {
        #expect(try Self.refusal(#"{"op":"enrol","customer":"C-1"}"#).field == "strategy")
        #expect(try Self.refusal(#"{"op":"enrol","strategy":"s"}"#).field == "customer")
        #expect(try Self.refusal(#"{"op":"enrol","strategy":"s","customer":""}"#).field == "customer")
        #expect(try Self.refusal(#"{"op":"enrol","strategy":"s","customer":"C","start_at":true}"#).field == "start_at")
        #expect(try Self.refusal(#"{"op":"enrol","strategy":"s","customer":"C","enrol_key":7}"#).field == "enrol_key")
        #expect(try Self.refusal(#"{"op":"enrol","strategy":"s","customer":"C","start":1}"#).field == "start")
        let decoded = try Self.decode(#"{"op":"enrol","strategy":"s","customer":"C","start_at":1795000000000}"#)
            .request.get()
        guard case .enrol(let request) = decoded else {
            Issue.record("not an enrol request")
            return
        }
        #expect(request.startAt == .number("1795000000000"))
        #expect(request.enrolKey == nil)
    }

    @Test func enrolBatchAnswersEachItemInItsSlot() throws {
        let line =
            #"{"op":"enrol_batch","strategy":"s","start_at":"2026-11-18T11:06:40Z","customers":[{"customer":"C-1"},{"enrol_key":"k"},7,{"customer":"C-4","start_at":1},{"customer":"C-5","op":"x"}]}"#
        guard case .enrolBatch(let batch) = try Self.decode(line).request.get() else {
            Issue.record("not an enrol_batch request")
            return
        }
        #expect(batch.enrolments.count == 5)
        #expect((try? batch.enrolments[0].get())?.customer == "C-1")
        // An item without its own start keeps none: the daemon falls back on the batch's.
        #expect((try? batch.enrolments[0].get())?.startAt == nil)
        #expect(batch.startAt == .text("2026-11-18T11:06:40Z"))
        #expect(batch.enrolments[1].failure?.field == "customers[1].customer")
        #expect(batch.enrolments[2].failure?.field == "customers[2]")
        #expect((try? batch.enrolments[3].get())?.startAt == .number("1"))
        #expect(batch.enrolments[4].failure?.field == "customers[4].op")
    }

    @Test func enrolBatchRefusesMoreThanTenThousand() throws {
        let items = Array(repeating: #"{"customer":"C"}"#, count: EnrolBatchRequest.maxItems + 1)
        let line = #"{"op":"enrol_batch","strategy":"s","customers":["# + items.joined(separator: ",") + "]}"
        let error = try Self.refusal(line)
        #expect(error.field == "customers")
        #expect(error.message.contains("10000"))
        #expect(try Self.refusal(#"{"op":"enrol_batch","strategy":"s"}"#).field == "customers")
        #expect(try Self.refusal(#"{"op":"enrol_batch","customers":[]}"#).field == "strategy")
    }

    @Test func exitTakesARunOrACustomerWithItsStrategy() throws {
        guard case .exit(let byRun) = try Self.decode(#"{"op":"exit","run_id":42}"#).request.get() else {
            Issue.record("not an exit request")
            return
        }
        #expect(byRun.target == .run(42))
        guard
            case .exit(let byCustomer) = try Self.decode(#"{"op":"exit","customer":"C","strategy":"s"}"#).request.get()
        else {
            Issue.record("not an exit request")
            return
        }
        #expect(byCustomer.target == .customer("C", strategy: "s"))
        #expect(try Self.refusal(#"{"op":"exit","customer":"C"}"#).field == "strategy")
        #expect(try Self.refusal(#"{"op":"exit","strategy":"s"}"#).field == "customer")
        #expect(try Self.refusal(#"{"op":"exit"}"#).field == "run_id")
        #expect(try Self.refusal(#"{"op":"exit","run_id":0}"#).field == "run_id")
        #expect(try Self.refusal(#"{"op":"exit","run_id":1,"customer":"C","strategy":"s"}"#).field == "run_id")
    }

    @Test func runsLimitIsBounded() throws {
        guard case .runs(let request) = try Self.decode(#"{"op":"runs","customer":"C"}"#).request.get() else {
            Issue.record("not a runs request")
            return
        }
        #expect(request.limit == RunsRequest.defaultLimit)
        #expect(try Self.refusal(#"{"op":"runs","customer":"C","limit":201}"#).field == "limit")
        #expect(try Self.refusal(#"{"op":"runs"}"#).field == "customer")
    }

    @Test func strategyReportRequestsRefuseWhatDoesNotApply() throws {
        #expect(try Self.refusal(#"{"op":"report","strategy":"s","since":"24h"}"#).field == "since")
        #expect(try Self.refusal(#"{"op":"report","version":2}"#).field == "version")
        #expect(try Self.refusal(#"{"op":"report","strategy":"s","version":0}"#).field == "version")
        guard case .report(let request) = try Self.decode(#"{"op":"report","strategy":"s","version":2}"#).request.get()
        else {
            Issue.record("not a report request")
            return
        }
        #expect(request.strategy == "s" && request.version == 2 && request.since == nil)
    }

    @Test func onlyRunsAndStrategiesAreReadOperations() {
        #expect(ControlOperation.runs.isRead && ControlOperation.strategies.isRead)
        #expect(!ControlOperation.enrol.isRead && !ControlOperation.enrolBatch.isRead && !ControlOperation.exit.isRead)
    }

    // MARK: answers

    @Test func enrolAnswersReadBack() throws {
        let answers = [
            EnrolAnswer(runID: 12, state: .enrolled, holdout: true, version: 2),
            EnrolAnswer(runID: 12, state: .duplicate),
            EnrolAnswer(runID: nil, state: .refused, reason: "reenter_after"),
        ]
        for answer in answers {
            let line = answer.line(id: .number("1"))
            #expect(EnrolAnswer(json: try Self.parse(line)) == answer, "\(line)")
        }
        #expect(
            answers[0].line(id: nil) == #"{"ok":true,"run_id":12,"state":"enrolled","holdout":true,"version":2}"#)
        let batch = EnrolBatchAnswer(results: [
            .success(answers[0]), .failure(.badRequest("x", field: "customers[1].customer")),
        ])
        #expect(EnrolBatchAnswer(json: try Self.parse(batch.line(id: nil))) == batch)
    }

    @Test func enrolResultsMapToAnswers() {
        #expect(
            (try? EnrolHandler.answer(.enrolled(runID: 5, version: 1, holdout: false), strategy: "s").get())
                == EnrolAnswer(runID: 5, state: .enrolled, holdout: false, version: 1))
        #expect(
            (try? EnrolHandler.answer(.refused(.once), strategy: "s").get())
                == EnrolAnswer(runID: nil, state: .refused, reason: "once"))
        #expect(EnrolHandler.answer(.refused(.unknownStrategy), strategy: "s").failure?.code == .notFound)
        #expect(EnrolHandler.answer(.failed(.closed), strategy: "s").failure?.code == .internalError)
    }

    @Test func enrolmentTimesAreCheckedAgainstTheClock() throws {
        let now: Int64 = 1_795_000_000_000
        let request = EnrolRequest(strategy: "s", customer: "C", startAt: .number(String(now - 5_000)))
        #expect(try EnrolHandler.enrolment(request, prefix: "", now: now, client: "t").startAt == now)
        let batchDefault = try EnrolHandler.enrolment(
            EnrolRequest(strategy: "s", customer: "C"), prefix: "", now: now, client: "t", defaultStart: now + 60_000)
        #expect(batchDefault.startAt == now + 60_000)
        let far = EnrolRequest(strategy: "s", customer: "C", startAt: .number(String(now + 401 * 86_400_000)))
        #expect(throws: ControlError.self) {
            try EnrolHandler.enrolment(far, prefix: "customers[3].", now: now, client: "t")
        }
        do {
            _ = try EnrolHandler.enrolment(
                EnrolRequest(strategy: "s", customer: "C", startAt: .text("tomorrow")), prefix: "customers[3].",
                now: now, client: "t")
            Issue.record("a start_at that is no time was accepted")
        } catch {
            #expect(error.field == "customers[3].start_at")
        }
    }

    @Test func runsAndStrategiesAnswersReadBack() throws {
        let runs = RunsAnswer(runs: [
            RunsAnswer.Run(
                runID: 3, strategy: "first-loan", version: 1, state: "waiting", step: "wait-push1", holdout: false,
                nextTimer: RunsAnswer.Timer(at: "2026-11-20T11:06:40.000Z", kind: "timeout"),
                startedAt: "2026-11-18T11:06:40.000Z", outcome: nil,
                history: [
                    RunsAnswer.Step(
                        visit: 1, step: "push1", kind: "send", outcome: "sent", at: "2026-11-18T11:06:40.000Z",
                        channelType: "app_push", messageID: "m1")
                ]),
            RunsAnswer.Run(
                runID: 1, strategy: "x", version: 2, state: "finished", step: "done", holdout: true, nextTimer: nil,
                startedAt: "2026-11-01T00:00:00.000Z", outcome: "completed", history: []),
        ])
        #expect(RunsAnswer(json: try Self.parse(runs.line(id: nil))) == runs)
        let strategies = StrategiesAnswer(strategies: [
            StrategiesAnswer.Strategy(
                name: "first-loan", retired: false, latest: 2,
                versions: [
                    StrategiesAnswer.Version(
                        version: 1, loadedAt: "2026-11-01T00:00:00.000Z", fingerprint: "ab12", active: 3, finished: 9)
                ])
        ])
        #expect(StrategiesAnswer(json: try Self.parse(strategies.line(id: nil))) == strategies)
    }

    @Test func runSnapshotsBecomeRunsAnswers() {
        let snapshot = RunSnapshot(
            runID: 4, strategy: "s", version: 1, state: .waiting, step: "w", rev: 3, visits: 1, holdout: false,
            startedAt: 1_795_000_000_000, updatedAt: 1_795_000_000_000,
            timer: DueTimer(runID: 4, dueAt: 1_795_000_060_000, rev: 3, kind: .timeout),
            history: [
                RunStepRecord(
                    visit: 1, step: "a", kind: "send", outcome: .suppressed("opted_out"), at: 1_795_000_000_000,
                    channelType: "sms")
            ])
        let run = RunsHandler.run(snapshot)
        #expect(run.nextTimer == RunsAnswer.Timer(at: "2026-11-18T11:07:40.000Z", kind: "timeout"))
        #expect(run.history.first?.outcome == "suppressed:opted_out")
        #expect(run.outcome == nil && run.state == "waiting")
    }

    /// The store's report becomes the answer: totals carry conversions, uplift is treated minus holdout, and the
    /// funnel puts run-level counts first and reached steps before later ones.
    @Test func strategyReportAnswerCarriesFunnelAndUplift() throws {
        func counters(_ build: (inout StrategyReport.Counters) -> Void) -> StrategyReport.Counters {
            var counters = StrategyReport.Counters()
            build(&counters)
            return counters
        }
        let report = StrategyReport(
            name: "first-loan", version: nil, latest: 2,
            lines: [
                StrategyReport.Line(
                    step: "(run)", channelType: nil, group: .treated, counters: counters { $0.entered = 100 }),
                StrategyReport.Line(
                    step: "push1", channelType: "app_push", group: .treated,
                    counters: counters {
                        $0.sent = 90
                        $0.add("suppressed:opted_out", n: 10)
                        $0.opened = 30
                    }),
                StrategyReport.Line(
                    step: "sms", channelType: "sms", group: .treated,
                    counters: counters {
                        $0.sent = 40
                        $0.add("converted", n: 4, value: 1000)
                    }),
                StrategyReport.Line(
                    step: "(run)", channelType: nil, group: .holdout, counters: counters { $0.entered = 10 }),
            ],
            treated: StrategyReport.Totals(enrolled: 100, active: 20, finished: 80),
            holdout: StrategyReport.Totals(enrolled: 10, active: 0, finished: 10),
            uplift: StrategyReport.Uplift(treatedRuns: 100, holdoutRuns: 10, treatedConverted: 12, holdoutConverted: 1),
            treatedValue: 3000, holdoutValue: 100)
        let answer = ReportHandler.answer(report)
        #expect(answer.lines.map(\.step) == ["(run)", "(run)", "push1", "sms"])
        #expect(answer.treated.converted == 12 && answer.treated.value == 3000)
        let absolute = try #require(answer.upliftAbsolute)
        #expect(abs(absolute - 0.02) < 1e-9)
        #expect(abs((answer.upliftRelative ?? 0) - 0.2) < 1e-9)
        #expect(answer.lines[2].counters.suppressed == ["opted_out": 10])
        #expect(answer.channels.map(\.channelType) == ["app_push", "sms"])
        let sms = try #require(answer.channels.first { $0.channelType == "sms" })
        #expect(sms.counters.conversionRate == 0.1)
        #expect(sms.counters.value == 1000)

        let json = try Self.parse(answer.line(id: nil))
        #expect(json["uplift"]?["relative"]?.scalarText.flatMap(Double.init).map { abs($0 - 0.2) < 1e-9 } == true)
        #expect(json["steps"]?.arrayCount == 4)  // (run) per group, push1, sms
        #expect(StrategyReportAnswer(json: json) == answer)
    }

    /// Steps follow the loaded definition's order even when a later step reached more runs; a step the definition
    /// no longer has comes after them, `(run)` first and `(entry)` last.
    @Test func strategyReportFollowsDefinitionOrder() {
        func line(_ step: String, sent: Int) -> StrategyReport.Line {
            var counters = StrategyReport.Counters()
            counters.sent = sent
            return StrategyReport.Line(step: step, channelType: "sms", group: .treated, counters: counters)
        }
        let report = StrategyReport(
            name: "s", version: nil, latest: 1,
            lines: [
                line("(entry)", sent: 0), line("sms", sent: 90), line("legacy", sent: 50), line("push1", sent: 10),
                line("(run)", sent: 0),
            ],
            treated: StrategyReport.Totals(enrolled: 100, active: 0, finished: 100),
            holdout: StrategyReport.Totals(enrolled: 0, active: 0, finished: 0),
            uplift: StrategyReport.Uplift(treatedRuns: 100, holdoutRuns: 0, treatedConverted: 0, holdoutConverted: 0),
            treatedValue: 0, holdoutValue: 0)
        let ordered = ReportHandler.answer(report, stepOrder: ["push1", "wait", "sms"])
        #expect(ordered.lines.map(\.step) == ["(run)", "push1", "sms", "legacy", "(entry)"])
        // Without a loaded definition: by runs reached.
        #expect(ReportHandler.answer(report).lines.map(\.step) == ["(run)", "sms", "legacy", "push1", "(entry)"])
    }
}

extension Result {
    fileprivate var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}

extension JSONValue {
    fileprivate var arrayCount: Int? {
        if case .array(let items) = self { return items.count }
        return nil
    }
}
