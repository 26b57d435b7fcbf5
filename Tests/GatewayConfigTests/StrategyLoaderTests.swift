import ChannelKit
import Foundation
import GatewayConfig
import Testing

/// Loading strategy files through ``StrategyLoader``: the samples, settings, and one test per local rule with
/// the position it is reported at.
struct StrategyLoaderTests {
    @Test func theFirstLoanSampleLoadsWithEveryStepAndSetting() throws {
        let definition = try StrategyText.parse(StrategyText.sample("first-loan"), name: "first-loan")
        #expect(
            definition.steps.map(\.id) == [
                "push1", "wait-push1", "push2", "wait-push2", "sms", "wechat", "wait-any", "lost", "reactivate", "done",
            ])
        #expect(definition.category == .marketing)
        #expect(definition.entry == .once)
        #expect(definition.exitOn == [.converted, .optedOut])
        #expect(definition.goal == GoalRule(event: .converted, within: .seconds(14 * 86_400), attribution: .lastTouch))
        #expect(definition.holdout == 0.05)
        #expect(definition.migrate.isEmpty)
        guard case .send(let push) = definition.steps[0].kind else {
            Issue.record("push1 is not a send step")
            return
        }
        #expect(push.channels == .instances(["push-main"]))
        #expect(push.title == "{{customer.name|您好}}，首贷礼遇")
        #expect(push.trackLinks)
        guard case .send(let sms) = definition.steps[4].kind, case .waitFor(let wait) = definition.steps[1].kind else {
            Issue.record("unexpected kinds")
            return
        }
        #expect(sms.channels == .instances(["sms-aliyun", "sms-tencent"]))
        #expect(sms.onSuppressed == .continue)
        #expect(wait.event == .opened && wait.reference == .step("push1") && wait.within == .seconds(48 * 3600))
        #expect(wait.onEvent == "done" && wait.onTimeout == "push2")
        #expect(definition.steps[1].mark.line == 16 && definition.steps[1].mark.column == 10)
        guard case .handoff(let target) = definition.steps[8].kind else {
            Issue.record("reactivate is not a handoff")
            return
        }
        #expect(target == "reactivation")
        #expect(definition.fingerprint == StrategyFingerprint.of(StrategyText.sample("first-loan")))
        #expect(definition.source == StrategyText.sample("first-loan"))
    }

    @Test func theReactivationSampleLoadsWithAutoAndLocalTimeWaits() throws {
        let definition = try StrategyText.parse(StrategyText.sample("reactivation"), name: "reactivation")
        #expect(definition.entry == .reenterAfter(.seconds(90 * 86_400)))
        guard case .wait(let pause) = definition.steps[0].kind, case .wait(let morning) = definition.steps[1].kind,
            case .send(let nudge) = definition.steps[2].kind
        else {
            Issue.record("unexpected kinds")
            return
        }
        #expect(pause == .duration(.seconds(7 * 86_400)))
        #expect(morning == .untilLocalTime(minuteOfDay: 600))
        #expect(nudge.channels == .auto && nudge.onSuppressed == .stop)
        #expect(definition.steps[4].next == "end")
    }

    @Test func anUnknownTopLevelKeyListsTheValidOnes() {
        let issues = StrategyText.errors("categry: marketing\nsteps:\n  - {id: a, stop: {}}\n")
        #expect(
            issues == [
                "s.yaml:1:1: error: unknown key 'categry' in 's'; expected one of: category, entry, exit_on, goal, "
                    + "holdout, steps, migrate"
            ])
    }

    @Test func anUnknownStepKindListsTheValidKeys() {
        let issues = StrategyText.errors("steps:\n  - {id: a, sned: {channel: push-main}}\n")
        #expect(
            issues.contains {
                $0.hasPrefix("s.yaml:2:13: error: unknown key 'sned' in 'steps[]'; expected one of: id, next")
            })
        #expect(issues.contains { $0.contains("step 'a' has no kind; give exactly one of: send, wait, wait_for") })
    }

    @Test func aStepHasExactlyOneKind() {
        let issues = StrategyText.errors("steps:\n  - {id: a, wait: 1d, stop: {}}\n")
        #expect(
            issues == [
                "s.yaml:2:29: error: step 'a' has more than one kind (wait, stop); give exactly one of: "
                    + "send, wait, wait_for, branch, tag, handoff, stop"
            ])
    }

    @Test func aKindWithoutAValueIsNamed() throws {
        #expect(
            StrategyText.errors("steps:\n  - {id: a, wait: }\n  - {id: b, stop: }\n") == [
                "s.yaml:2:19: error: 'wait' of step 'a' needs a value"
            ])
        #expect(try StrategyText.parse("steps:\n  - id: b\n    stop:\n").steps.count == 1)
    }

    @Test func stepIdsMatchThePatternAndAreUnique() {
        let issues = StrategyText.errors(
            "steps:\n  - {id: Push, wait: 1d}\n  - {id: b, wait: 1d}\n  - {id: b, stop: {}}\n")
        #expect(
            issues == [
                "s.yaml:2:10: error: step id 'Push' must match [a-z0-9][a-z0-9_-]{0,62}",
                "s.yaml:4:10: error: duplicate step id 'b' (first at line 3)",
            ])
        let long = String(repeating: "a", count: 64)
        #expect(StrategyText.errors("steps:\n  - {id: \(long), stop: {}}\n").count == 1)
        #expect(StrategyText.errors("steps:\n  - {id: \(long.dropLast()), stop: {}}\n").isEmpty)
    }

    @Test func atMost64Steps() {
        let steps = (0..<65).map { "  - {id: s\($0), wait: 1s}\n" }.joined()
        let issues = StrategyText.errors("steps:\n" + steps)
        #expect(issues == ["s.yaml:66:5: error: a strategy has at most 64 steps; this one has 65"])
        let allowed = (0..<64).map { "  - {id: s\($0), wait: 1s}\n" }.joined()
        #expect(StrategyText.errors("steps:\n" + allowed).isEmpty)
    }

    @Test func stepsAreRequiredAndNotEmpty() {
        #expect(
            StrategyText.errors("category: marketing\n") == [
                "s.yaml:1:1: error: missing required key 'steps' in 's' (the list of steps)"
            ])
        #expect(StrategyText.errors("steps: []\n") == ["s.yaml:1:8: error: 'steps' must hold at least one step"])
    }

    @Test func waitsAreAtMost400DaysAndGoalsAtMost180() {
        #expect(
            StrategyText.errors("steps:\n  - {id: a, wait: 401d}\n") == [
                "s.yaml:2:19: error: 'wait' must be between 1s and 400d, found 401d"
            ])
        #expect(StrategyText.errors("steps:\n  - {id: a, wait: 400d}\n").isEmpty)
        let waitFor =
            "steps:\n  - {id: p, send: {channel: push-main, template: t}}\n"
            + "  - {id: w, wait_for: {event: opened, step: p, within: 401d, on_event: d, on_timeout: d}}\n"
            + "  - {id: d, stop: {}}\n"
        #expect(
            StrategyText.errors(waitFor) == ["s.yaml:3:56: error: 'within' must be between 1s and 400d, found 401d"])
        #expect(
            StrategyText.errors("goal: {within: 181d}\nsteps:\n  - {id: a, stop: {}}\n") == [
                "s.yaml:1:16: error: 'within' must be between 1s and 180d, found 181d"
            ])
        let goal = try? StrategyText.parse(
            "goal: {within: 180d, attribution: first_touch}\nsteps:\n  - {id: a, stop: {}}\n")
        #expect(goal?.goal == GoalRule(event: .converted, within: .seconds(180 * 86_400), attribution: .firstTouch))
    }

    @Test func waitUntilIsALocalTime() {
        #expect(
            StrategyText.errors("steps:\n  - {id: a, wait: {until: \"24:00\"}}\n") == [
                "s.yaml:2:27: error: expected 'until' as a local time HH:MM (e.g. \"10:00\"), found '24:00'"
            ])
    }

    @Test func holdoutIsAPercentageOrAShareUpToHalf() throws {
        let steps = "steps:\n  - {id: a, stop: {}}\n"
        #expect(try StrategyText.parse("holdout: 5%\n" + steps).holdout == 0.05)
        #expect(try StrategyText.parse("holdout: 0.1\n" + steps).holdout == 0.1)
        #expect(
            StrategyText.errors("holdout: 60%\n" + steps) == [
                "s.yaml:1:10: error: 'holdout' must be between 0% and 50%, found 60%"
            ])
        #expect(StrategyText.errors("holdout: lots\n" + steps).count == 1)
    }

    @Test func entryIsOnceOrReenterAfter() throws {
        let steps = "steps:\n  - {id: a, stop: {}}\n"
        #expect(
            try StrategyText.parse("entry: {reenter_after: 30d}\n" + steps).entry
                == .reenterAfter(.seconds(30 * 86_400)))
        #expect(
            StrategyText.errors("entry: twice\n" + steps) == [
                "s.yaml:1:8: error: invalid value 'twice' for 'entry'; expected once or {reenter_after: DURATION}"
            ])
    }

    @Test func exitEventsAreBuiltInsOrCustomNames() throws {
        let steps = "steps:\n  - {id: a, stop: {}}\n"
        #expect(
            try StrategyText.parse("exit_on: [converted, loan_signed]\n" + steps).exitOn == [
                .converted, .custom("loan_signed"),
            ])
        let issues = StrategyText.errors("exit_on: [Converted]\n" + steps)
        #expect(issues.count == 1 && issues[0].hasPrefix("s.yaml:1:11: error: invalid event 'Converted' in 'exit_on'"))
    }

    @Test func categoryAndOnCapAreSendStepKeys() throws {
        let definition = try StrategyText.parse(
            "steps:\n  - {id: a, send: {channel: push-main, template: t}, category: transactional, on_cap: defer}\n")
        guard case .send(let send) = definition.steps[0].kind else {
            Issue.record("not a send")
            return
        }
        #expect(send.category == .transactional && send.onCap == .defer)
        #expect(
            StrategyText.errors("steps:\n  - {id: a, wait: 1d, on_cap: defer}\n") == [
                "s.yaml:2:31: error: 'on_cap' is only allowed on a send step"
            ])
    }

    @Test func aSendNeedsATemplateOrContent() {
        #expect(
            StrategyText.errors("steps:\n  - {id: a, send: {channel: push-main}}\n") == [
                "s.yaml:2:19: error: a send step needs 'template' or 'content'"
            ])
    }

    @Test func nextIsRefusedWhereTheStepChoosesItsOwnWay() {
        #expect(
            StrategyText.errors("steps:\n  - {id: a, stop: {}, next: a}\n") == [
                "s.yaml:2:29: error: 'next' is not allowed on a stop step (it ends the run)"
            ])
    }

    @Test func prefersTagsAreReserved() {
        #expect(
            StrategyText.errors("steps:\n  - {id: a, tag: {add: [\"prefers:sms\"]}}\n") == [
                "s.yaml:2:25: error: tag 'prefers:sms': prefers:* tags are reserved for channel affinity (strategies.affinity)"
            ])
        let branch =
            "steps:\n  - {id: a, branch: [{if: {tag: \"prefers:sms\"}, then: b}, {default: b}]}\n  - {id: b, stop: {}}\n"
        #expect(StrategyText.errors(branch).isEmpty == false)
    }

    @Test func customerPlaceholdersAreSyntaxChecked() {
        #expect(
            StrategyText.errors("steps:\n  - {id: a, send: {channel: push-main, content: \"hi {{custmer.name}}\"}}\n")
                == [
                    "s.yaml:2:49: error: in 'content': unknown placeholder '{{custmer.name}}'; expected {{customer.NAME}} or "
                        + "{{customer.NAME|default}}"
                ])
        #expect(
            StrategyText.errors(
                "steps:\n  - {id: a, send: {channel: push-main, template: t, title: \"{{customer.na-me}}\"}}\n"
            ).count == 1)
        #expect(
            StrategyText.errors(
                "steps:\n  - {id: a, send: {channel: push-main, template: t, params: {n: \"{{customer.name\"}}}}\n"
            ).count == 1)
    }
}

/// Strategy texts and the parse calls the tests share.
enum StrategyText {
    /// The instances the tests configure: name → channel type.
    static let channels = [
        "push-main": "app_push", "sms-aliyun": "sms", "sms-tencent": "sms", "oa-main": "wechat_oa",
        "wecom-main": "wecom",
        "call-main": "call_queue",
    ]

    /// Settings with `auto` instances for every type.
    static var settings: StrategySettings {
        var settings = StrategySettings()
        settings.affinity.instances = ["app_push": ["push-main"], "sms": ["sms-aliyun"], "wechat_oa": ["oa-main"]]
        return settings
    }

    static func parse(
        _ text: String, name: String = "s", settings: StrategySettings = StrategyText.settings
    ) throws -> StrategyDefinition {
        try StrategyLoader.parse(source: text, name: name, file: "s.yaml", channels: channels, settings: settings)
    }

    /// Every issue, errors and warnings, as `s.yaml:line:column: severity: message`.
    static func issues(
        _ text: String, settings: StrategySettings = StrategyText.settings, checkChannels: Bool = true
    ) -> [String] {
        StrategyLoader.check(
            source: text, name: "s", file: "s.yaml", channels: channels, settings: settings,
            checkChannels: checkChannels
        ).issues.map(\.description)
    }

    /// The errors only.
    static func errors(_ text: String, settings: StrategySettings = StrategyText.settings) -> [String] {
        issues(text, settings: settings).filter { $0.contains(": error: ") }
    }

    /// A sample of `etc/channel-gateway/strategies.d`.
    static func sample(_ name: String) -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let path = root.appendingPathComponent("etc/channel-gateway/strategies.d/\(name).yaml.sample").path
        return (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }
}
