import ChannelKit
import Foundation
import Testing

/// The issue's flow end to end, with seconds for days: customer A ignores two pushes, gets SMS and an Official
/// Account message, clicks the OA's tracked link: the run completes and affinity tags A `prefers:wechat_oa`.
/// Customer B ignores everything: tagged `lost` and handed to `reactivation`.
@Suite(.serialized)
struct StrategyFlowTests {
    static let firstLoan = """
        category: marketing
        entry: once
        exit_on: [converted, opted_out]
        goal: {event: converted, within: 1h, attribution: last_touch}
        steps:
          - id: push1
            send: {channel: push-main, title: "{{customer.name|您好}}，首贷礼遇", content: "首贷优惠",
                   url: "https://bank.example/loan"}
          - {id: wait-push1, wait_for: {event: opened, step: push1, within: 1s, on_event: done, on_timeout: push2}}
          - id: push2
            send: {channel: push-main, title: "首贷礼遇", content: "首贷优惠提醒"}
          - {id: wait-push2, wait_for: {event: opened, step: push2, within: 1s, on_event: done, on_timeout: sms}}
          - id: sms
            send: {channel: sms-main, content: "{{customer.name|您好}}，首贷优惠 https://bank.example/loan",
                   track_links: true}
          - id: wechat
            send: {channel: oa-main, template: loan_offer_oa, params: {first: 首贷礼遇},
                   url: "https://bank.example/loan", track_links: true}
          - {id: wait-any, wait_for: {event: clicked, step: any, within: 4s, on_event: done, on_timeout: lost}}
          - {id: lost, tag: {add: [lost]}}
          - {id: reactivate, handoff: {strategy: reactivation}}
          - {id: done, stop: {}}
        """
    static let reactivation = """
        entry: once
        steps:
          - {id: pause, wait: 1h}
          - id: winback
            send: {channel: sms-main, content: "好久不见，回来看看"}
        """

    @Test(arguments: TestStore.allCases)
    func pushIgnoredThenSMSAndOfficialAccountClickedTagsPrefersAndTheIgnorerIsLostAndHandedOff(store: TestStore)
        throws
    {
        let fixture = try StrategyFixtures(
            strategies: ["first-loan": Self.firstLoan, "reactivation": Self.reactivation],
            extra: StrategyFixtures.affinity + "\n" + store.yaml())
        try fixture.start()
        let feed = try StrategyFixtures.Feed(
            socketPath: fixture.gateway.socketPath, request: #"{"op":"subscribe","kinds":["run","tag"]}"#)

        #expect(
            fixture.customer("A", sms: "13800138001", push: "regA", oa: "oA-openid", attributes: #"{"name":"王先生"}"#)?[
                "state"] == .string("created"))
        #expect(
            fixture.customer("B", sms: "13800138002", push: "regB", oa: "oB-openid")?["state"] == .string("created"))
        let enrolA = fixture.enrol("first-loan", "A")
        #expect(enrolA?["state"] == .string("enrolled"), "\(enrolA?.serialized ?? "no answer")")
        #expect(fixture.enrol("first-loan", "B")?["state"] == .string("enrolled"))
        // `entry: once`: a second enrolment with another key is refused while (and after) the first runs.
        #expect(fixture.enrol("first-loan", "A", key: "A-again")?["state"] == .string("refused"))

        // Two pushes (one per wait that timed out), then SMS and the OA message.
        #expect(fixture.waitUntil(15) { fixture.bodies(for: "oA-openid").count == 1 }, "no OA message for A")
        #expect(fixture.bodies(for: "regA").count == 2)
        #expect(fixture.smsBodies(to: "13800138001").count == 1)
        let oaBody = try #require(fixture.bodies(for: "oA-openid").first)
        #expect(!oaBody.contains("bank.example/loan"), "the OA url is tracked: \(oaBody)")
        let token = try #require(StrategyFixtures.trackedToken(in: oaBody), "no tracked link in \(oaBody)")
        let reply = try fixture.click(token: token)
        #expect(reply.contains(" 302 "), "\(reply)")

        // A's run completes at `done`; affinity wrote the learned channel back to the customer.
        #expect(fixture.waitUntil(3) { fixture.run("A", strategy: "first-loan")?["state"] == .string("finished") })
        let runA = fixture.run("A", strategy: "first-loan")
        #expect(runA?["outcome"] == .string("completed"), "\(runA?.serialized ?? "no run")")
        #expect(runA?["step"] == .string("done"))
        let touchesA = StrategyFixtures.touches(runA)
        #expect(touchesA.map(\.step) == ["push1", "push2", "sms", "wechat"], "\(touchesA)")
        #expect(touchesA.map(\.channelType) == ["app_push", "app_push", "sms", "wechat_oa"])
        #expect(
            fixture.waitUntil(2) { fixture.tags("A").contains("prefers:wechat_oa") },
            "\(fixture.show("A")?.serialized ?? "")")
        #expect(!fixture.tags("A").contains("lost"))
        #expect(fixture.run("A", strategy: "reactivation") == nil)

        // B clicked nothing: `lost`, and a reactivation run parked on its first wait.
        #expect(fixture.waitUntil(8) { fixture.tags("B").contains("lost") }, "\(fixture.tags("B"))")
        #expect(fixture.waitUntil(2) { fixture.run("B", strategy: "reactivation") != nil })
        let handed = fixture.run("B", strategy: "reactivation")
        #expect(handed?["state"] == .string("waiting"), "\(handed?.serialized ?? "no run")")
        // A `wait` parks the run at the step it resumes at, with a `wake` timer an hour away.
        #expect(handed?["step"] == .string("winback"))
        #expect(handed?["next_timer"]?["kind"] == .string("wake"), "\(handed?.serialized ?? "")")
        #expect(fixture.smsBodies(to: "13800138002").count == 1, "the reactivation's send waits an hour")
        let runB = fixture.run("B", strategy: "first-loan")
        #expect(runB?["state"] == .string("finished"))
        #expect(!fixture.tags("B").contains { $0.hasPrefix("prefers:") })
        // Nothing was sent twice: A got one OA message, B one of each type after two pushes.
        #expect(fixture.bodies(for: "regB").count == 2)
        #expect(fixture.bodies(for: "oB-openid").count == 1)
        #expect(fixture.bodies(for: "oA-openid").count == 1)

        // The feed carried run transitions and the tag changes.
        fixture.waitUntil(2) { feed.received.contains { $0["tag"] == .string("prefers:wechat_oa") } }
        let lines = feed.received
        #expect(lines.contains { $0["event"] == .string("run") && $0["strategy"] == .string("first-loan") })
        #expect(lines.contains { $0["event"] == .string("tag") && $0["tag"] == .string("prefers:wechat_oa") })
        #expect(lines.contains { $0["event"] == .string("tag") && $0["tag"] == .string("lost") })
        #expect(lines.contains { $0["event"] == .string("run") && $0["strategy"] == .string("reactivation") })

        let report = fixture.request(#"{"op":"report","strategy":"first-loan"}"#)
        // The funnel: two runs, two customers entered push1 and got it, one click on the OA step.
        let runs = StrategyFixtures.find(in: report) { $0["step"] == .string("(run)") }
        #expect(runs?["entered"]?.intValue == 2)
        let sent = StrategyFixtures.find(in: report) { $0["step"] == .string("push1") && $0["sent"] != nil }
        #expect(sent?["sent"]?.intValue == 2)
        let push1 = StrategyFixtures.find(in: report) { $0["step"] == .string("push1") && $0["entered"] != nil }
        #expect(push1?["entered"]?.intValue == 2, "a step's funnel starts with the runs that reached it")
        let wechat = StrategyFixtures.find(in: report) { $0["step"] == .string("wechat") && $0["clicked"] != nil }
        #expect(wechat?["clicked"]?.intValue == 1)
    }

    /// A `tag` step that removes acts through the engine on a strategy that never tests a tag: the engine must
    /// still load the customer's tags (the interpreter removes only tags the customer has).
    @Test func aTagStepRemovesATagTheCustomerHasWithoutAnyTagBranch() throws {
        let fixture = try StrategyFixtures(strategies: [
            "mark": "steps:\n  - {id: mark, tag: {add: [lapsed]}}\n",
            "welcome-back": "steps:\n  - {id: clear, tag: {remove: [lapsed], add: [welcomed]}}\n",
        ])
        try fixture.start()
        fixture.customer("C", sms: "13800138000")
        #expect(fixture.enrol("mark", "C")?["ok"] == .bool(true))
        #expect(fixture.waitUntil(8) { fixture.tags("C").contains("lapsed") }, "\(fixture.tags("C"))")
        #expect(fixture.enrol("welcome-back", "C")?["ok"] == .bool(true))
        #expect(fixture.waitUntil(8) { fixture.tags("C").contains("welcomed") }, "\(fixture.tags("C"))")
        #expect(!fixture.tags("C").contains("lapsed"))
    }
}
