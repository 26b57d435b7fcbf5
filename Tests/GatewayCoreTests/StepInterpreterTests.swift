import ChannelKit
import ControlProtocol
import GatewayConfig
import GatewayStore
import Testing

@testable import GatewayCore

/// The interpreter with a manual clock: the issue's first-loan flow step by step, holdout, missing attributes,
/// events that came early, local-time waits and the inline-step guard.
struct StepInterpreterTests {
    static let now: Int64 = 1_700_000_000_000
    static let hour: Int64 = 3_600_000

    static let firstLoan = StrategyDefinition(
        name: "first-loan",
        steps: [
            StrategyStep(
                id: "push1", kind: .send(SendStep(channels: .instances(["push-main"]), template: "loan_offer"))),
            StrategyStep(
                id: "wait-push1",
                kind: .waitFor(
                    WaitForStep(
                        event: .opened, reference: .step("push1"), within: .seconds(48 * 3600), onEvent: "done",
                        onTimeout: "push2"))),
            StrategyStep(id: "push2", kind: .send(SendStep(channels: .instances(["push-main"]), template: "again"))),
            StrategyStep(
                id: "sms",
                kind: .send(
                    SendStep(channels: .instances(["sms-a", "sms-b"]), content: "{{customer.name}}，首贷优惠"))),
            StrategyStep(id: "wechat", kind: .send(SendStep(channels: .instances(["oa-main"]), template: "oa"))),
            StrategyStep(
                id: "wait-any",
                kind: .waitFor(
                    WaitForStep(
                        event: .clicked, reference: .any, within: .seconds(72 * 3600), onEvent: "done",
                        onTimeout: "lost"))),
            StrategyStep(id: "lost", kind: .tag(TagStep(add: ["lost"]))),
            StrategyStep(id: "reactivate", kind: .handoff(strategy: "reactivation")),
            StrategyStep(id: "done", kind: .stop),
        ])

    static let instances = ChannelChooser.Instances(kinds: [
        "push-main": "app_push", "sms-a": "sms", "sms-b": "sms", "oa-main": "wechat_oa",
    ])

    static func context(instances: ChannelChooser.Instances = instances) -> InterpreterContext {
        InterpreterContext(now: now, instances: instances) { request in
            let category = request.category.flatMap(MessageCategory.init(name:)) ?? .marketing
            let message = OutboundMessage(
                id: "m-\(request.channel)", channel: request.channel, recipient: request.to, category: category,
                template: request.template, params: request.params, content: request.content, title: request.title,
                url: request.url)
            return AcceptRequest(
                message: message, channelType: "x", customer: request.customer, dedupKey: "k", clientDedupKey: nil,
                notAfter: nil)
        }
    }

    static let customer = CustomerFacts(
        id: "c1", attributes: ["name": "王先生"],
        addresses: ["app_push": "token", "sms": "13800000000", "wechat_oa": "openid"])

    static func run(
        at step: String, state: RunState = .ready, visits: Int = 0, holdout: Bool = false,
        waitingFor: WaitingFor? = nil, customer: CustomerFacts = customer, history: [RunStepRecord] = []
    ) -> RunSnapshot {
        RunSnapshot(
            runID: 77, strategy: "first-loan", version: 1, state: state, step: step, rev: 4, visits: visits,
            holdout: holdout, waitingFor: waitingFor, startedAt: now - hour, updatedAt: now - hour,
            customer: customer, history: history)
    }

    static func advance(
        _ run: RunSnapshot, kind: TimerKind = .start, definition: StrategyDefinition = firstLoan,
        context: InterpreterContext = context()
    ) -> RunAdvance? {
        StepInterpreter.advance(
            run, timer: DueTimer(runID: run.runID, dueAt: now - 5, rev: run.rev, kind: kind), definition: definition,
            context: context)
    }

    @Test func aSendToTheStoredAddressAsItIsCarriesItsStoredForm() throws {
        var customer = Self.customer
        customer.storedAddresses = ["app_push": "enc1:sealed-token"]
        let kept = try #require(Self.advance(Self.run(at: "push1", customer: customer)))
        guard case .send(let plan) = kept.next else { Issue.record("expected a send"); return }
        #expect(plan.candidates[0].accept.storedRecipient == "enc1:sealed-token")
        // Validation that changes the address (normalizing a number, say) makes the stored form another string's.
        let normalizing = InterpreterContext(now: Self.now, instances: Self.instances) { request in
            let message = OutboundMessage(
                id: "m", channel: request.channel, recipient: request.to + "-normalized", category: .marketing,
                content: request.content)
            return AcceptRequest(
                message: message, channelType: "x", customer: request.customer, dedupKey: "k", clientDedupKey: nil,
                notAfter: nil)
        }
        let changed = try #require(Self.advance(Self.run(at: "push1", customer: customer), context: normalizing))
        guard case .send(let other) = changed.next else { Issue.record("expected a send"); return }
        #expect(other.candidates[0].accept.storedRecipient == nil)
    }

    @Test func firstPushSendsAndParksOnItsWaitFor() throws {
        let advance = try #require(Self.advance(Self.run(at: "push1")))
        #expect(advance.expectedRev == 4)
        #expect(advance.firedDueAt == Self.now - 5)
        #expect(advance.effects.records.isEmpty)
        guard case .send(let plan) = advance.next else { Issue.record("expected a send"); return }
        #expect(plan.step == "push1")
        #expect(plan.candidates.map(\.instance) == ["push-main"])
        // No dedup key: the run's compare-and-set makes the send once; the touch is the history row's visit.
        #expect(plan.candidates[0].accept.dedupKey == nil)
        #expect(plan.candidates[0].accept.runVisit == 1)
        #expect(plan.candidates[0].accept.message.recipient == "token")
        #expect(plan.candidates[0].accept.customer == "c1")
        guard case .waitFor(let step, let waiting, let timeoutAt) = plan.onSent.transition else {
            Issue.record("expected a wait_for")
            return
        }
        #expect(step == "wait-push1")
        #expect(waiting == WaitingFor(event: "opened", step: "push1", onEvent: "done"))
        #expect(timeoutAt == Self.now + 48 * Self.hour)
        // Suppressed: `continue` (the default) goes to the next step, the wait_for, which can then only time out.
        guard case .waitFor(let parked, _, _) = plan.onSuppressed.transition else {
            Issue.record("expected a wait_for")
            return
        }
        #expect(parked == "wait-push1")
    }

    @Test func timeoutRecordsTimedOutAndGoesOnTimeout() throws {
        let waiting = WaitingFor(event: "opened", step: "push1", onEvent: "done")
        let run = Self.run(at: "wait-push1", state: .waiting, visits: 1, waitingFor: waiting)
        let advance = try #require(Self.advance(run, kind: .timeout))
        #expect(advance.effects.records.map(\.outcome) == [.timedOut])
        #expect(advance.effects.records.first?.visit == 2)
        #expect(advance.effects.records.first?.step == "wait-push1")
        guard case .send(let plan) = advance.next else { Issue.record("expected a send"); return }
        #expect(plan.step == "push2")
        #expect(plan.candidates.first?.accept.runVisit == 3)
    }

    @Test func smsRendersTheNameAndTheNextSendWaitsForTheNextTurn() throws {
        let advance = try #require(Self.advance(Self.run(at: "sms", visits: 4)))
        guard case .send(let plan) = advance.next else { Issue.record("expected a send"); return }
        #expect(plan.candidates.map(\.instance) == ["sms-a", "sms-b"])
        #expect(plan.candidates[0].accept.message.content == "王先生，首贷优惠")
        guard case .ready(let next, _) = plan.onSent.transition else { Issue.record("expected ready"); return }
        #expect(next == "wechat")
    }

    @Test func missingAttributeSuppressesTheSend() throws {
        var customer = Self.customer
        customer.attributes = [:]
        let advance = try #require(Self.advance(Self.run(at: "sms", customer: customer)))
        guard case .send(let plan) = advance.next else { Issue.record("expected a send"); return }
        #expect(plan.candidates.isEmpty)
        #expect(plan.unavailable == "missing_attribute")
    }

    @Test func instanceRemovedByReloadIsNoChannel() throws {
        let context = Self.context(instances: ChannelChooser.Instances(kinds: ["sms-a": "sms"]))
        let advance = try #require(Self.advance(Self.run(at: "push1"), context: context))
        guard case .send(let plan) = advance.next else { Issue.record("expected a send"); return }
        #expect(plan.unavailable == "no_channel")
    }

    @Test func lastTimeoutTagsLostHandsOffAndCompletes() throws {
        let waiting = WaitingFor(event: "clicked", step: nil, onEvent: "done")
        let run = Self.run(at: "wait-any", state: .waiting, visits: 6, waitingFor: waiting)
        let advance = try #require(Self.advance(run, kind: .timeout))
        #expect(advance.effects.records.map(\.outcome) == [.timedOut, .tagged, .handedOff, .completed])
        #expect(advance.effects.records.map(\.visit) == [7, 8, 9, 10])
        #expect(advance.effects.tagsAdded == ["lost"])
        #expect(advance.effects.handoffs == ["reactivation"])
        guard case .transition(.finished(.completed)) = advance.next else {
            Issue.record("expected finished")
            return
        }
    }

    @Test func holdoutRecordsHeldOutAndFollowsTheSentPath() throws {
        let advance = try #require(Self.advance(Self.run(at: "push1", holdout: true)))
        #expect(advance.effects.records.map(\.outcome) == [.heldOut])
        guard case .transition(.waitFor(let step, _, _)) = advance.next else {
            Issue.record("expected a wait_for")
            return
        }
        #expect(step == "wait-push1")
    }

    @Test func anEventThatCameEarlyMovesOnAtOnce() throws {
        let touch = RunStepRecord(
            visit: 1, step: "push1", kind: "send", outcome: .sent, at: Self.now - Self.hour, messageID: "m1",
            channelType: "app_push", openedAt: Self.now - 60_000)
        let advance = try #require(Self.advance(Self.run(at: "wait-push1", visits: 1, history: [touch]), kind: .wake))
        #expect(advance.effects.records.map(\.outcome) == [.event("opened"), .completed])
        guard case .transition(.finished(.completed)) = advance.next else {
            Issue.record("expected finished")
            return
        }
    }

    @Test func branchesOnTagsAttributesAndOutcomes() throws {
        let definition = StrategyDefinition(
            name: "b",
            steps: [
                StrategyStep(
                    id: "pick",
                    kind: .branch(
                        BranchStep(
                            cases: [
                                (.tag("vip"), "vip"), (.stepOutcome(step: "s", outcome: "clicked"), "clicked"),
                                (.attribute(name: "segment", equals: "young"), "young"),
                            ], defaultStep: "other"))),
                StrategyStep(id: "vip", kind: .tag(TagStep(add: ["was-vip"])), next: "end"),
                StrategyStep(id: "clicked", kind: .tag(TagStep(add: ["was-clicked"])), next: "end"),
                StrategyStep(id: "young", kind: .tag(TagStep(add: ["was-young"])), next: "end"),
                StrategyStep(id: "other", kind: .tag(TagStep(add: ["was-other"]))),
                StrategyStep(id: "end", kind: .stop),
            ])
        func tags(_ customer: CustomerFacts, history: [RunStepRecord] = []) -> [String] {
            Self.advance(Self.run(at: "pick", customer: customer, history: history), definition: definition)?
                .effects.tagsAdded ?? []
        }
        #expect(tags(CustomerFacts(id: "a", tags: ["vip"])) == ["was-vip"])
        #expect(tags(CustomerFacts(id: "a", attributes: ["segment": "young"])) == ["was-young"])
        #expect(tags(CustomerFacts(id: "a")) == ["was-other"])
        let clicked = RunStepRecord(visit: 1, step: "s", kind: "send", outcome: .sent, at: 0, clickedAt: 5)
        #expect(tags(CustomerFacts(id: "a", attributes: ["segment": "young"]), history: [clicked]) == ["was-clicked"])
        // The tag case is why the engine loads this strategy's runs with their customers' tags.
        #expect(definition.customerParts == .tags)
    }

    /// The engine loads tags and channel scores only for strategies whose steps read them: the first-loan flow
    /// tags but never tests a tag and names its instances, so it needs neither; `auto` needs the scores.
    @Test func customerPartsAreWhatTheStepsRead() {
        #expect(Self.firstLoan.customerParts == [])
        let auto = StrategyDefinition(
            name: "a", steps: [StrategyStep(id: "s", kind: .send(SendStep(channels: .auto, content: "hi")))])
        #expect(auto.customerParts == .scores)
        // A removal acts only on a tag the customer has, so it needs the tags loaded: without them, nothing goes.
        let untag = StrategyDefinition(
            name: "u", steps: [StrategyStep(id: "t", kind: .tag(TagStep(remove: ["lost"])))])
        #expect(untag.customerParts == .tags)
        let removed = Self.advance(
            Self.run(at: "t", customer: CustomerFacts(id: "a", tags: ["lost"])), definition: untag)
        #expect(removed?.effects.tagsRemoved == ["lost"])
        let notLoaded = Self.advance(Self.run(at: "t", customer: CustomerFacts(id: "a")), definition: untag)
        #expect(notLoaded?.effects.tagsRemoved == [])
    }

    /// Enrolment parks a run on a first `wait` itself (``StrategyCatalog/initialWait(of:)``, applied by the
    /// store): it must leave the run exactly where the interpreter would at the start timer, or not at all.
    @Test func enrolmentsInitialWaitIsWhatTheInterpreterDoes() throws {
        let send = StrategyStep(id: "offer", kind: .send(SendStep(channels: .instances(["push-main"]), template: "t")))
        let definitions = [
            StrategyDefinition(
                name: "plain", steps: [StrategyStep(id: "pause", kind: .wait(.duration(.seconds(90)))), send]),
            StrategyDefinition(
                name: "jump",
                steps: [
                    StrategyStep(id: "pause", kind: .wait(.duration(.seconds(3600))), next: "done"), send,
                    StrategyStep(id: "done", kind: .stop),
                ]),
            StrategyDefinition(name: "alone", steps: [StrategyStep(id: "pause", kind: .wait(.duration(.seconds(5))))]),
            StrategyDefinition(
                name: "local", steps: [StrategyStep(id: "pause", kind: .wait(.untilLocalTime(minuteOfDay: 600))), send]),
            StrategyDefinition(name: "sends", steps: [send]),
        ]
        var parked = 0
        for definition in definitions {
            let advance = try #require(
                Self.advance(Self.run(at: definition.steps[0].id, visits: 0), definition: definition))
            guard let wait = StrategyCatalog.initialWait(of: definition) else {
                // Not parked at enrolment: a wait whose end depends on the customer's zone, or no plain wait at all.
                if case .transition(.wait) = advance.next {
                    #expect(definition.name == "local", "\(definition.name) parks on a wait the store could apply")
                }
                continue
            }
            parked += 1
            #expect(StrategyCatalog.rules(of: definition).initialWait == wait)
            guard case .transition(.wait(let resume, let until)) = advance.next else {
                Issue.record("\(definition.name): the interpreter does not park on the wait")
                continue
            }
            #expect(resume == wait.resume)
            #expect(until == Self.now + wait.milliseconds)
            #expect(
                advance.effects.records.map { "\($0.visit) \($0.step) \($0.kind) \($0.outcome) \($0.at)" } == [
                    "1 \(definition.steps[0].id) wait waited \(Self.now)"
                ])
            #expect(advance.effects.tagsAdded.isEmpty && advance.effects.handoffs.isEmpty)
        }
        #expect(parked == 2)
    }

    @Test func inlineStepsStopAtTheGuard() throws {
        let definition = StrategyDefinition(
            name: "loop", steps: [StrategyStep(id: "t", kind: .tag(TagStep(add: ["x"])), next: "t")])
        let advance = try #require(Self.advance(Self.run(at: "t"), definition: definition))
        #expect(advance.effects.records.count == StepInterpreter.maxInlineSteps)
        guard case .transition(.ready(let step, _)) = advance.next else { Issue.record("expected ready"); return }
        #expect(step == "t")
    }

    @Test func onSuppressedStopEndsAndAStepIDJumps() throws {
        func plan(_ onSuppressed: SendStep.OnSuppressed) -> SendPlan? {
            let definition = StrategyDefinition(
                name: "s",
                steps: [
                    StrategyStep(
                        id: "send",
                        kind: .send(
                            SendStep(
                                channels: .instances(["sms-a"]), content: "hi", onSuppressed: onSuppressed))),
                    StrategyStep(id: "next", kind: .wait(.duration(.seconds(60)))),
                    StrategyStep(id: "fallback", kind: .tag(TagStep(add: ["unreachable"]))),
                ])
            guard case .send(let plan)? = Self.advance(Self.run(at: "send"), definition: definition)?.next else {
                return nil
            }
            return plan
        }
        let stop = try #require(plan(.stop))
        guard case .finished(.completed) = stop.onSuppressed.transition else {
            Issue.record("expected finished")
            return
        }
        guard case .wait(_, let until) = stop.onSent.transition else { Issue.record("expected a wait"); return }
        #expect(until == Self.now + 60_000)
        let jump = try #require(plan(.step("fallback")))
        #expect(jump.onSuppressed.effects.tagsAdded == ["unreachable"])
        #expect(jump.onSuppressed.effects.records.map(\.visit) == [2])
    }

    @Test func finishedRunsDoNothing() {
        #expect(Self.advance(Self.run(at: "done", state: .finished)) == nil)
    }

    @Test func waitUntilIsTheNextLocalTimeStrictlyAfterNow() {
        // 2023-11-14 22:13:20 UTC = 2023-11-15 06:13:20 in Shanghai: 10:00 local is 02:00 UTC that day.
        let shanghai = StepInterpreter.nextLocalTime(minuteOfDay: 600, after: Self.now, zone: "Asia/Shanghai")
        #expect(shanghai == 1_700_013_600_000)
        // Already past 06:00 local: the next 06:00 is tomorrow's.
        let tomorrow = StepInterpreter.nextLocalTime(minuteOfDay: 360, after: Self.now, zone: "Asia/Shanghai")
        #expect(tomorrow == 1_700_085_600_000)
        let utc = StepInterpreter.nextLocalTime(minuteOfDay: 0, after: Self.now, zone: "UTC")
        #expect(utc == 1_700_006_400_000)
    }
}
