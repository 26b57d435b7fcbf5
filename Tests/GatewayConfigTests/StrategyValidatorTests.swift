import ChannelKit
import Foundation
import GatewayConfig
import Testing

/// The whole-strategy rules: references, reachability, cycles without a pause, `wait_for.step`, channels,
/// `handoff`, `migrate`, and the warnings of a `wait_for` that can only time out.
struct StrategyValidatorTests {
    @Test func everyReferenceMustNameAStepAtItsOwnPosition() {
        let text = """
            steps:
              - {id: a, send: {channel: push-main, template: t}, on_suppressed: nowhere, next: b}
              - {id: b, wait_for: {event: opened, step: a, within: 1h, on_event: gone, on_timeout: c}}
              - {id: c, branch: [{if: {tag: vip}, then: missing}, {default: d}]}
              - {id: d, stop: {}}

            """
        #expect(
            StrategyText.errors(text) == [
                "s.yaml:2:69: error: 'on_suppressed' 'nowhere' of step 'a' names no step of this strategy",
                "s.yaml:3:70: error: 'on_event' 'gone' of step 'b' names no step of this strategy",
                "s.yaml:4:45: error: 'then' 'missing' of step 'c' names no step of this strategy",
            ])
        #expect(
            StrategyText.errors("steps:\n  - {id: a, wait: 1d, next: zz}\n") == [
                "s.yaml:2:29: error: 'next' 'zz' of step 'a' names no step of this strategy"
            ])
        #expect(
            StrategyText.errors("steps:\n  - {id: a, branch: [{if: {tag: x}, then: a}]}\n") == [
                "s.yaml:2:21: error: a branch needs a last item {default: STEP}"
            ])
    }

    @Test func unreachableStepsAreErrors() {
        let text = "steps:\n  - {id: a, wait: 1d, next: c}\n  - {id: b, wait: 1d}\n  - {id: c, stop: {}}\n"
        #expect(StrategyText.errors(text) == ["s.yaml:3:10: error: step 'b' is unreachable from the first step 'a'"])
    }

    @Test func aCycleWithoutAWaitIsNamed() {
        let text = """
            steps:
              - {id: start, wait: 1d}
              - {id: tag1, tag: {add: [x]}}
              - {id: check, branch: [{if: {tag: y}, then: tag1}, {default: done}]}
              - {id: done, stop: {}}

            """
        #expect(
            StrategyText.errors(text) == [
                "s.yaml:3:10: error: the cycle tag1 → check → tag1 has no wait or wait_for; a run would loop without pause"
            ])
        let selfLoop = "steps:\n  - {id: a, wait: 1d}\n  - {id: b, tag: {add: [x]}, next: b}\n"
        #expect(
            StrategyText.errors(selfLoop) == [
                "s.yaml:3:10: error: the cycle b → b has no wait or wait_for; a run would loop without pause"
            ])
    }

    @Test func aCycleThroughAWaitIsAllowed() throws {
        let text = """
            steps:
              - {id: nudge, send: {channel: push-main, template: t}}
              - {id: pause, wait: 7d}
              - {id: check, branch: [{if: {tag: done}, then: end}, {default: nudge}]}
              - {id: end, stop: {}}

            """
        #expect(StrategyText.errors(text).isEmpty)
    }

    @Test func aWaitForStepIsAnEarlierSendStep() {
        let notSend = """
            steps:
              - {id: a, wait: 1d}
              - {id: w, wait_for: {event: opened, step: a, within: 1h, on_event: d, on_timeout: d}}
              - {id: d, stop: {}}

            """
        #expect(
            StrategyText.errors(notSend) == [
                "s.yaml:3:45: error: 'wait_for' step 'a' is not a send step (name a send step or any)"
            ])
        let later = """
            steps:
              - {id: w, wait_for: {event: opened, step: p, within: 1h, on_event: p, on_timeout: d}}
              - {id: p, send: {channel: push-main, template: t}, next: d}
              - {id: d, stop: {}}

            """
        #expect(
            StrategyText.errors(later) == [
                "s.yaml:2:45: error: 'wait_for' step 'p' never comes before 'w' (name an earlier send step or any)"
            ])
    }

    @Test func instancesMustBeConfiguredUnlessAnOldVersionIsCompiled() {
        let text = "steps:\n  - {id: a, send: {channel: [push-main, push-old], template: t}}\n"
        let errors = StrategyText.errors(text)
        #expect(errors.count == 1)
        #expect(
            errors.first?.hasPrefix("s.yaml:2:41: error: unknown channel instance 'push-old'; configured instances: ")
                == true)
        #expect(StrategyText.issues(text, checkChannels: false).isEmpty)
        let parsed = try? StrategyLoader.parse(
            source: text, name: "s", file: "s.yaml", channels: [:], settings: StrategySettings(), checkChannels: false)
        #expect(parsed?.steps.count == 1)
    }

    @Test func aStepWithItsOwnErrorIsStillCheckedButNotReportedAsMissing() {
        let text = """
            steps:
              - {id: a, send: {channel: sms-x, content: "{{customer.1}}"}, next: b}
              - {id: b, wait: 500d}
              - {id: c, stop: {}}

            """
        let errors = StrategyText.errors(text)
        #expect(errors.count == 3, "\(errors)")
        #expect(errors.contains { $0.hasPrefix("s.yaml:2:29: error: unknown channel instance 'sms-x'") })
        #expect(errors.contains { $0.hasPrefix("s.yaml:2:45: error: in 'content': invalid attribute name '1'") })
        #expect(errors.contains { $0.hasPrefix("s.yaml:3:19: error: 'wait' must be between 1s and 400d") })
    }

    @Test func autoNeedsAffinityInstances() {
        let text = "steps:\n  - {id: a, send: {channel: auto, template: t}}\n"
        #expect(
            StrategyText.errors(text, settings: StrategySettings()) == [
                "s.yaml:2:29: error: 'channel: auto' needs strategies.affinity.instances in gateway.yaml (the instance per "
                    + "channel type)"
            ])
        #expect(StrategyText.errors(text).isEmpty)
    }

    @Test func aHandoffToItselfIsAnError() {
        #expect(
            StrategyText.errors("steps:\n  - {id: a, handoff: {strategy: s}}\n") == [
                "s.yaml:2:33: error: step 'a' hands off to this strategy itself"
            ])
    }

    @Test func migrateTargetsMustBeStepsOfThisVersion() {
        #expect(
            StrategyText.errors("steps:\n  - {id: a, stop: {}}\nmigrate: {old: b}\n") == [
                "s.yaml:3:16: error: 'migrate' moves 'old' to 'b', which is no step of this strategy"
            ])
    }

    @Test func aWaitForThatCanOnlyTimeOutIsAWarning() {
        let wecom = """
            steps:
              - {id: w, send: {channel: wecom-main, content: hi}}
              - {id: x, wait_for: {event: delivered, step: w, within: 1h, on_event: d, on_timeout: d}}
              - {id: d, stop: {}}

            """
        #expect(
            StrategyText.issues(wecom) == [
                "s.yaml:3:23: warning: 'wait_for' delivered on step 'w' can only time out: wecom never reports delivered"
            ])
        let sms = """
            steps:
              - {id: s, send: {channel: [sms-aliyun, oa-main], content: hi}}
              - {id: x, wait_for: {event: opened, step: s, within: 1h, on_event: d, on_timeout: d}}
              - {id: d, stop: {}}

            """
        #expect(
            StrategyText.issues(sms) == [
                "s.yaml:3:23: warning: 'wait_for' opened on step 's' can only time out: sms, wechat_oa never report opened; "
                    + "set track_links: true on the send step"
            ])
        let tracked = sms.replacingOccurrences(of: "content: hi", with: "content: hi, track_links: true")
        #expect(StrategyText.issues(tracked).isEmpty)
        // A push can be opened (an event from the app backend): no warning.
        let push = sms.replacingOccurrences(of: "[sms-aliyun, oa-main]", with: "[sms-aliyun, push-main]")
        #expect(StrategyText.issues(push).isEmpty)
        // A warning alone does not refuse the strategy.
        #expect((try? StrategyText.parse(wecom)) != nil)
    }
}
