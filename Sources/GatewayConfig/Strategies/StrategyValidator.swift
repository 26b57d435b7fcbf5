import ChannelKit

/// Checks what needs the whole strategy, the configured channels or the other strategies: references, the
/// step graph (reachability, cycles without a pause, `wait_for.step` preceding), instances and `auto`,
/// `handoff` targets, and the warnings of a `wait_for` that can only time out (design §8).
struct StrategyValidator {
    /// What the strategy is checked against.
    struct Context: Sendable {
        /// Configured instance name → channel type.
        var channels: [String: String]
        var settings: StrategySettings
        /// `false` for a stored version: instances removed since must not fail it.
        var checkChannels: Bool
        /// Every strategy of the directory (for `handoff`), or `nil` when unknown.
        var strategyNames: Set<String>?
    }

    let definition: StrategyDefinition
    let marks: StrategyMarks
    let context: Context
    let issues: ConfigIssueCollector

    /// Runs every check; with `complete` false (some steps were dropped for their own errors) only the checks of
    /// single steps run, so a dropped step does not also show up as a dangling reference.
    func check(complete: Bool = true) {
        let steps = definition.steps
        for (index, step) in steps.enumerated() {
            checkStep(step, index: index)
        }
        guard complete, !steps.isEmpty else { return }
        let ids = Set(steps.map(\.id))
        let before = issues.errorCount
        for (index, step) in steps.enumerated() {
            checkReferences(step, index: index, ids: ids)
        }
        for (source, target, mark) in marks.migrate where !ids.contains(target) {
            issues.error(mark, "'migrate' moves '\(source)' to '\(target)', which is no step of this strategy")
        }
        // The graph checks only make sense once every reference resolves.
        guard issues.errorCount == before else { return }
        let graph = StepGraph(steps)
        let reachable = graph.reachable(from: 0)
        for (index, step) in steps.enumerated() where !reachable[index] {
            issues.error(step.mark, "step '\(step.id)' is unreachable from the first step '\(steps[0].id)'")
        }
        let cycles = graph.cycles { index in
            switch steps[index].kind {
            case .wait, .waitFor: true
            default: false
            }
        }
        for cycle in cycles {
            let names = (cycle + [cycle[0]]).map { steps[$0].id }.joined(separator: " → ")
            issues.error(
                steps[cycle[0]].mark, "the cycle \(names) has no wait or wait_for; a run would loop without pause")
        }
        for (index, step) in steps.enumerated() {
            guard case .waitFor(let wait) = step.kind, case .step(let target) = wait.reference,
                let source = definition.index(of: target)
            else { continue }
            guard case .send(let send) = steps[source].kind else {
                issues.error(
                    marks.mark(index, "step"),
                    "'wait_for' step '\(target)' is not a send step (name a send step or any)")
                continue
            }
            if !graph.leads(from: source, to: index) {
                issues.error(
                    marks.mark(index, "step"),
                    "'wait_for' step '\(target)' never comes before '\(step.id)' (name an earlier send step or any)")
                continue
            }
            warnIfOnlyTimeout(wait, send: send, index: index)
        }
    }

    private func checkReferences(_ step: StrategyStep, index: Int, ids: Set<String>) {
        func exists(_ id: String, _ key: String, _ role: String) {
            if !ids.contains(id) {
                issues.error(
                    marks.mark(index, key), "\(role) '\(id)' of step '\(step.id)' names no step of this strategy")
            }
        }
        if let next = step.next { exists(next, "next", "'next'") }
        switch step.kind {
        case .send(let send):
            if case .step(let target) = send.onSuppressed { exists(target, "on_suppressed", "'on_suppressed'") }
        case .waitFor(let wait):
            exists(wait.onEvent, "on_event", "'on_event'")
            exists(wait.onTimeout, "on_timeout", "'on_timeout'")
            if case .step(let target) = wait.reference { exists(target, "step", "'wait_for' step") }
        case .branch(let branch):
            for (position, item) in branch.cases.enumerated() {
                exists(item.then, "then.\(position)", "'then'")
                if case .stepOutcome(let target, _) = item.condition {
                    exists(target, "if.\(position).step", "condition step")
                }
            }
            exists(branch.defaultStep, "default", "'default'")
        case .wait, .tag, .stop, .handoff:
            break
        }
    }

    /// The checks of one step alone: its instances and its handoff target.
    private func checkStep(_ step: StrategyStep, index: Int) {
        switch step.kind {
        case .send(let send):
            checkChannels(send, index: index)
        case .handoff(let target):
            if target == definition.name {
                issues.error(marks.mark(index, "strategy"), "step '\(step.id)' hands off to this strategy itself")
            } else if let names = context.strategyNames, !names.contains(target) {
                let known = names.sorted().joined(separator: ", ")
                issues.error(
                    marks.mark(index, "strategy"),
                    "'handoff' names no strategy: there is no \(target).yaml (strategies: \(known.isEmpty ? "none" : known))"
                )
            }
        default:
            break
        }
    }

    private func checkChannels(_ send: SendStep, index: Int) {
        guard context.checkChannels else { return }
        switch send.channels {
        case .auto:
            if context.settings.affinity.instances.isEmpty {
                issues.error(
                    marks.mark(index, "channel"),
                    "'channel: auto' needs strategies.affinity.instances in gateway.yaml (the instance per channel type)"
                )
            }
        case .instances(let names):
            for (position, name) in names.enumerated() where context.channels[name] == nil {
                let known = context.channels.keys.sorted().joined(separator: ", ")
                issues.error(
                    marks.mark(index, "channel.\(position)"),
                    "unknown channel instance '\(name)'; configured instances: \(known.isEmpty ? "none" : known)")
            }
        }
    }

    /// Warns when the awaited event cannot come from any channel type the referenced send may use (design §8).
    private func warnIfOnlyTimeout(_ wait: WaitForStep, send: SendStep, index: Int) {
        let types: Set<String>
        switch send.channels {
        case .auto: types = Set(context.settings.affinity.instances.keys)
        case .instances(let names): types = Set(names.compactMap { context.channels[$0] })
        }
        guard !types.isEmpty else { return }
        guard types.allSatisfy({ !Self.canReport(wait.event, type: $0, trackLinks: send.trackLinks) }) else { return }
        let linkEvent = wait.event == .opened || wait.event == .clicked
        let reason = linkEvent && !send.trackLinks ? "; set track_links: true on the send step" : ""
        issues.warning(
            marks.mark(index, "kind"),
            "'wait_for' \(wait.event) on step '\(sendID(wait))' can only time out: "
                + "\(types.sorted().joined(separator: ", ")) \(types.count == 1 ? "never reports" : "never report") \(wait.event)\(reason)"
        )
    }

    private func sendID(_ wait: WaitForStep) -> String {
        if case .step(let id) = wait.reference { return id }
        return "any"
    }

    /// Whether a channel type can ever report `event` for a touch (the table of design §8). Unknown types and
    /// events that are not about a touch (converted, custom) are assumed possible.
    static func canReport(_ event: StrategyEvent, type: String, trackLinks: Bool) -> Bool {
        switch (event, type) {
        case (.delivered, "wecom"): false
        case (.opened, "sms"), (.opened, "wecom"), (.opened, "wechat_oa"): trackLinks
        case (.clicked, "sms"), (.clicked, "wecom"), (.clicked, "wechat_oa"): trackLinks
        case (.clicked, "call_queue"): false
        case (.replied, let type): type == "sms" || !["app_push", "wecom", "wechat_oa", "call_queue"].contains(type)
        default: true
        }
    }
}
