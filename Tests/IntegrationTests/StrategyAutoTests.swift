import ChannelKit
import Foundation
import Testing

/// `channel: auto`: without evidence the fallback order decides (app push first); once the customer has engaged
/// on the Official Account the learned type goes first; opted out of it, the next eligible type is used.
@Suite(.serialized)
struct StrategyAutoTests {
    /// One touch per type, then a wait for a click: the learning the issue's flow does, in one run.
    static let learn = """
        steps:
          - id: push
            send: {channel: push-main, title: 账户提醒, content: 首贷优惠}
          - id: sms
            send: {channel: sms-main, content: "首贷优惠"}
          - id: oa
            send: {channel: oa-main, template: loan_offer_oa, params: {first: 首贷礼遇},
                   url: "https://bank.example/loan", track_links: true}
          - {id: wait-click, wait_for: {event: clicked, step: any, within: 4s, on_event: done, on_timeout: done}}
          - {id: done, stop: {}}
        """
    static let offer = """
        steps:
          - id: pick
            send: {channel: auto, template: loan_offer_oa, params: {first: 首贷礼遇}, title: 首贷礼遇, content: "首贷礼遇",
                   url: "https://bank.example/loan"}
        """

    @Test(arguments: TestStore.allCases)
    func autoFollowsTheFallbackThenTheLearnedTypeAndSkipsAnOptedOutOne(store: TestStore) throws {
        let fixture = try StrategyFixtures(
            strategies: ["learn": Self.learn, "offer": Self.offer, "offer-again": Self.offer],
            extra: StrategyFixtures.affinity + "\n" + store.yaml())
        try fixture.start()

        // No evidence: the fallback order's first type the customer can be reached on.
        fixture.customer("new", sms: "13800138041", push: "regNew", oa: "oNew-openid")
        #expect(fixture.enrol("offer", "new")?["state"] == .string("enrolled"))
        #expect(fixture.waitUntil(5) { fixture.bodies(for: "regNew").count == 1 })
        #expect(StrategyFixtures.touches(fixture.run("new", strategy: "offer")).map(\.channelType) == ["app_push"])

        // Learning: one send per type, a click on the Official Account.
        fixture.customer("fan", sms: "13800138042", push: "regFan", oa: "oFan-openid")
        #expect(fixture.enrol("learn", "fan")?["state"] == .string("enrolled"))
        #expect(fixture.waitUntil(5) { fixture.bodies(for: "oFan-openid").count == 1 })
        let learned = try #require(fixture.bodies(for: "oFan-openid").first, "\(fixture.vendorRecord())")
        let token = try #require(StrategyFixtures.trackedToken(in: learned))
        _ = try fixture.click(token: token)
        #expect(fixture.waitUntil(3) { fixture.run("fan", strategy: "learn")?["state"] == .string("finished") })
        #expect(
            fixture.waitUntil(2) { fixture.tags("fan").contains("prefers:wechat_oa") },
            "\(fixture.show("fan")?.serialized ?? "")")

        // Learned: auto sends on the Official Account.
        #expect(fixture.enrol("offer", "fan")?["state"] == .string("enrolled"))
        #expect(fixture.waitUntil(5) { fixture.bodies(for: "oFan-openid").count == 2 })
        #expect(StrategyFixtures.touches(fixture.run("fan", strategy: "offer")).map(\.channelType) == ["wechat_oa"])
        let pushes = fixture.bodies(for: "regFan").count
        let texts = fixture.smsBodies(to: "13800138042").count

        // Opted out of the Official Account: the send goes to the next type, never to the OA.
        #expect(fixture.request(#"{"op":"optout","customer":"fan","channel":"wechat_oa"}"#)?["ok"] == .bool(true))
        #expect(fixture.enrol("offer-again", "fan")?["state"] == .string("enrolled"))
        #expect(
            fixture.waitUntil(5) {
                fixture.bodies(for: "regFan").count + fixture.smsBodies(to: "13800138042").count == pushes + texts + 1
            })
        let fallback = StrategyFixtures.touches(fixture.run("fan", strategy: "offer-again"))
        #expect(fallback.count == 1 && ["app_push", "sms"].contains(fallback[0].channelType), "\(fallback)")
        #expect(fallback.first?.outcome == "sent")
        Thread.sleep(forTimeInterval: 0.5)
        #expect(fixture.bodies(for: "oFan-openid").count == 2)
    }
}
