import ChannelKit
import ControlProtocol
import Foundation
import GatewayConfig
import GatewayStore

/// Decides what one fired run does: from its definition, its stored snapshot, the timer that woke it and the
/// time, the steps it executes and where that leaves it, as one ``RunAdvance`` for the store to apply by
/// compare-and-set. Pure: nothing is read or written here, so a replay decides alike.
///
/// Inline steps (branch, tag, handoff, stop) run in the same advance, at most ``maxInlineSteps`` of them. A send
/// ends the advance with a ``SendPlan`` whose continuations (sent, suppressed) are interpreted here up to the
/// next send or wait; a second send in a row leaves the run ready, due now, for the next turn.
enum StepInterpreter {
    /// Steps one advance may execute: beyond this the run is left ready for the next turn.
    static let maxInlineSteps = 64

    /// The advance of a fired run, or `nil` when there is nothing to do (the run has finished).
    /// - Parameters:
    ///   - run: the run as stored, with customer and history.
    ///   - timer: the timer that fired, if any; its revision is the compare-and-set operand.
    ///   - definition: the run's version of its strategy.
    ///   - context: time, instances, settings.
    static func advance(
        _ run: RunSnapshot, timer: DueTimer?, definition: StrategyDefinition, context: InterpreterContext
    ) -> RunAdvance? {
        guard run.state != .finished else { return nil }
        var walk = Walk(run: run, definition: definition, context: context)
        var start: String? = run.step
        if run.state == .waiting, run.waitingFor != nil, timer?.kind == .timeout || timer == nil,
            let index = definition.index(of: run.step), case .waitFor(let waitFor) = definition.steps[index].kind
        {
            walk.record(run.step, "wait_for", .timedOut)
            start = waitFor.onTimeout
        }
        let effects = walk.effects
        walk.effects = RunEffects()
        let next = walk.execute(from: start, sendAllowed: true)
        var before = effects
        before.append(walk.effects)
        return RunAdvance(
            runID: run.runID, expectedRev: timer?.rev ?? run.rev, firedDueAt: timer?.dueAt, at: context.now,
            effects: before, next: next)
    }

    /// The next `minuteOfDay` local time strictly after `now` in `zone` (epoch ms).
    static func nextLocalTime(minuteOfDay: Int, after now: Int64, zone: String) -> Int64 {
        let timeZone = TimeZone(identifier: zone) ?? TimeZone(secondsFromGMT: 0)!
        func offset(_ at: Int64) -> Int64 {
            Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(at) / 1000))) * 1000
        }
        let day: Int64 = 86_400_000
        let local = now + offset(now)
        var target = local - ((local % day) + day) % day + Int64(minuteOfDay) * 60_000
        if target <= local { target += day }
        // The offset at the target, not now: a DST change between the two moves the answer by the difference.
        var result = target - offset(target - offset(now))
        if result <= now { result += day }
        return result
    }
}

extension RunEffects {
    /// Appends another's rows and changes after this one's.
    fileprivate mutating func append(_ other: RunEffects) {
        records += other.records
        tagsAdded += other.tagsAdded
        tagsRemoved += other.tagsRemoved
        handoffs += other.handoffs
    }
}

/// One interpretation under way: the effects so far, the visits used and the steps executed.
private struct Walk {
    let run: RunSnapshot
    let definition: StrategyDefinition
    let context: InterpreterContext
    var effects = RunEffects()
    /// The last visit number used (the store numbers rows alike: the next is `visits + 1`).
    var visit: Int
    var executed = 0
    /// The customer's tags as the steps so far left them.
    var tags: Set<String>
    /// Rows of this interpretation before `effects` (an earlier part of the same advance).
    var earlier: [RunStepRecord] = []

    init(run: RunSnapshot, definition: StrategyDefinition, context: InterpreterContext) {
        self.run = run
        self.definition = definition
        self.context = context
        visit = run.visits
        tags = run.customer?.tags ?? []
    }

    mutating func record(_ step: String, _ kind: String, _ outcome: RunStepRecord.Outcome) {
        visit += 1
        effects.records.append(RunStepRecord(visit: visit, step: step, kind: kind, outcome: outcome, at: context.now))
    }

    /// The step after `index`: its `next`, else the following one in file order, else none (the run completes).
    func following(_ index: Int) -> String? {
        if let next = definition.steps[index].next { return next }
        return index + 1 < definition.steps.count ? definition.steps[index + 1].id : nil
    }

    /// Executes steps from `stepID` until one parks, sends or ends the run.
    mutating func execute(from stepID: String?, sendAllowed: Bool) -> RunAdvance.Next {
        var current = stepID
        while true {
            guard let id = current, let index = definition.index(of: id) else {
                return .transition(.finished(.completed))
            }
            guard executed < StepInterpreter.maxInlineSteps else {
                return .transition(.ready(step: id, at: context.now))
            }
            executed += 1
            let step = definition.steps[index]
            switch step.kind {
            case .send(let send):
                if run.holdout {
                    record(id, "send", .heldOut)
                    current = following(index)
                    continue
                }
                guard sendAllowed else { return .transition(.ready(step: id, at: context.now)) }
                return .send(plan(step: step, send: send, index: index))
            case .wait(let wait):
                record(id, "wait", .waited)
                guard let resume = following(index) else { return .transition(.finished(.completed)) }
                let until: Int64
                switch wait {
                case .duration(let duration): until = context.now + duration.milliseconds
                case .untilLocalTime(let minute):
                    until = StepInterpreter.nextLocalTime(
                        minuteOfDay: minute, after: context.now, zone: run.customer?.zone ?? context.timeZone)
                }
                return .transition(.wait(resume: resume, until: until))
            case .waitFor(let waitFor):
                let reference: String? =
                    switch waitFor.reference {
                    case .step(let name): name
                    case .any: nil
                    }
                // An event that came before the run reached this step still counts (its touch row has it).
                if alreadyHappened(waitFor.event, on: reference) {
                    record(id, "wait_for", .event(waitFor.event.description))
                    current = waitFor.onEvent
                    continue
                }
                let waiting = WaitingFor(event: waitFor.event.description, step: reference, onEvent: waitFor.onEvent)
                return .transition(
                    .waitFor(step: id, waiting, timeoutAt: context.now + waitFor.within.milliseconds))
            case .branch(let branch):
                let target = branch.cases.first { holds($0.condition) }?.then ?? branch.defaultStep
                record(id, "branch", .branched)
                current = target
            case .tag(let tag):
                record(id, "tag", .tagged)
                for name in tag.add where !tags.contains(name) {
                    tags.insert(name)
                    effects.tagsAdded.append(name)
                }
                for name in tag.remove where tags.contains(name) {
                    tags.remove(name)
                    effects.tagsRemoved.append(name)
                }
                current = following(index)
            case .handoff(let strategy):
                record(id, "handoff", .handedOff)
                effects.handoffs.append(strategy)
                current = following(index)
            case .stop:
                record(id, "stop", .completed)
                return .transition(.finished(.completed))
            }
        }
    }

    /// The send's plan: candidates in order, and both continuations interpreted up to the next send or wait.
    mutating func plan(step: StrategyStep, send: SendStep, index: Int) -> SendPlan {
        // The store writes the send's own row at the next visit; the continuations number theirs after it.
        let sendVisit = visit + 1
        var candidates: [SendPlan.Candidate] = []
        var unavailable: String?
        switch build(send, visit: sendVisit) {
        case .success(let built): candidates = built
        case .failure(let reason): unavailable = reason.code
        }
        func continuation(from start: String?, base: Walk) -> RunContinuation {
            var branch = base
            branch.earlier = base.earlier + base.effects.records
            branch.effects = RunEffects()
            branch.visit = sendVisit
            let next = branch.execute(from: start, sendAllowed: false)
            guard case .transition(let transition) = next else {
                return RunContinuation(effects: branch.effects, transition: .ready(step: start ?? "", at: context.now))
            }
            return RunContinuation(effects: branch.effects, transition: transition)
        }
        let onSent = continuation(from: following(index), base: self)
        let onSuppressed: RunContinuation
        switch send.onSuppressed {
        case .continue: onSuppressed = continuation(from: following(index), base: self)
        case .stop: onSuppressed = RunContinuation(transition: .finished(.completed))
        case .step(let target): onSuppressed = continuation(from: target, base: self)
        }
        return SendPlan(
            step: step.id, candidates: candidates, unavailable: unavailable, onSent: onSent,
            onSuppressed: onSuppressed,
            deferralSpread: context.deferralSpread)
    }

    /// Why a send has no candidate at all.
    struct Unavailable: Error {
        var code: String
    }

    /// Renders the texts and builds one accept per chosen candidate.
    func build(_ send: SendStep, visit: Int) -> Result<[SendPlan.Candidate], Unavailable> {
        guard let customer = run.customer else { return .failure(Unavailable(code: "no_address")) }
        let attributes = customer.attributes
        let id = customer.id
        let template: String?
        let params: [String: String]
        let content: String?
        let title: String?
        let url: String?
        do {
            template = try TemplateRenderer.render(optional: send.template, attributes: attributes, customerID: id)
            params = try TemplateRenderer.render(params: send.params, attributes: attributes, customerID: id)
            content = try TemplateRenderer.render(optional: send.content, attributes: attributes, customerID: id)
            title = try TemplateRenderer.render(optional: send.title, attributes: attributes, customerID: id)
            url = try TemplateRenderer.render(optional: send.url, attributes: attributes, customerID: id)
        } catch {
            return .failure(Unavailable(code: "missing_attribute"))
        }
        let choice = ChannelChooser.choose(
            send.channels, customer: customer, instances: context.instances, affinity: context.affinity,
            now: context.now, runID: run.runID, visit: visit)
        let chosen: [ChannelChooser.Candidate]
        switch choice {
        case .candidates(let list): chosen = list
        case .unavailable(let reason): return .failure(Unavailable(code: reason))
        }
        let category = send.category ?? definition.category
        let onCap: SendRequest.CapAction = send.onCap == .defer ? .defer : .suppress
        // Made once by the run's compare-and-set (a replayed advance loses it), so the accept claims no dedup key.
        // A key given to the validation only spares it hashing the content for one.
        let key = "r:\(run.runID):\(visit)"
        var candidates: [SendPlan.Candidate] = []
        for candidate in chosen {
            let request = SendRequest(
                channel: candidate.instance, to: candidate.address, template: template, params: params,
                content: content, title: title, url: url, dedupKey: key, category: category.name, customer: id,
                onCap: onCap,
                trackLinks: send.trackLinks)
            guard var accept = context.makeAccept(request) else { continue }
            accept.dedupKey = nil
            accept.clientDedupKey = nil
            accept.timeZone = customer.zone
            accept.runID = run.runID
            accept.runVisit = visit
            // The address as the directory stores it, when the send goes to it as it is: no second seal.
            if accept.message.recipient == customer.addresses[candidate.channelType] {
                accept.storedRecipient = customer.storedAddresses[candidate.channelType]
            }
            candidates.append(
                SendPlan.Candidate(accept: accept, instance: candidate.instance, channelType: candidate.channelType))
        }
        return candidates.isEmpty ? .failure(Unavailable(code: "invalid_message")) : .success(candidates)
    }

    /// Whether the touch of `step` (or any touch) already has `event`.
    func alreadyHappened(_ event: StrategyEvent, on step: String?) -> Bool {
        let touches = (run.history + earlier + effects.records).filter {
            $0.kind == "send" && $0.outcome == .sent && (step == nil || $0.step == step)
        }
        switch event {
        case .delivered: return touches.contains { $0.deliveredAt != nil }
        case .opened: return touches.contains { $0.openedAt != nil }
        case .clicked: return touches.contains { $0.clickedAt != nil }
        case .replied: return touches.contains { $0.repliedAt != nil }
        case .converted, .optedOut, .custom: return false
        }
    }

    /// Whether a branch condition holds now.
    func holds(_ condition: BranchCondition) -> Bool {
        switch condition {
        case .tag(let name):
            return tags.contains(name)
        case .attribute(let name, let value):
            return run.customer?.attributes[name] == value
        case .stepOutcome(let step, let outcome):
            let rows = (run.history + earlier + effects.records).filter { $0.step == step }
            switch outcome {
            case "sent": return rows.contains { $0.outcome == .sent }
            case "suppressed": return rows.contains { $0.outcome.isSuppressed }
            case "delivered": return rows.contains { $0.deliveredAt != nil }
            case "opened": return rows.contains { $0.openedAt != nil }
            case "clicked": return rows.contains { $0.clickedAt != nil }
            case "replied": return rows.contains { $0.repliedAt != nil }
            case "event": return rows.contains { $0.outcome.rawValue.hasPrefix("event:") }
            default:
                return rows.contains { $0.outcome.rawValue == outcome || $0.outcome == .event(outcome) }
            }
        }
    }
}
