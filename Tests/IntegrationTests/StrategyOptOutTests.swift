import ChannelKit
import Foundation
import Testing

/// Opt-outs and conversions settle a run in the middle of a `wait_for`, in the same commit as the event: no later
/// marketing step reaches the vendor. A customer who does nothing gets the timeout's send, so the test can fail.
@Suite(.serialized)
struct StrategyOptOutTests {
    static let nudge = """
        exit_on: [opted_out, converted]
        goal: {event: converted, within: 1h, attribution: last_touch}
        steps:
          - id: offer
            send: {channel: sms-main, content: "首贷优惠 https://bank.example/loan", track_links: true}
          - {id: wait-click, wait_for: {event: clicked, step: offer, within: 2s, on_event: done, on_timeout: reminder}}
          - id: reminder
            send: {channel: sms-main, content: "首贷优惠提醒"}
          - {id: done, stop: {}}
        """

    @Test(arguments: TestStore.allCases)
    func anOptOutDuringAWaitEndsTheRunAndNoLaterMarketingMessageIsSent(store: TestStore) throws {
        let fixture = try StrategyFixtures(
            strategies: ["nudge": Self.nudge], extra: StrategyFixtures.affinity + "\n" + store.yaml())
        try fixture.start()
        fixture.customer("quiet", sms: "13800138011")
        fixture.customer("byphone", sms: "13800138012")
        fixture.customer("control", sms: "13800138013")
        fixture.customer("cancelled", sms: "13800138014")
        for id in ["quiet", "byphone", "control", "cancelled"] {
            #expect(fixture.enrol("nudge", id)?["state"] == .string("enrolled"))
        }
        #expect(
            fixture.waitUntil(5) {
                ["13800138011", "13800138012", "13800138013", "13800138014"].allSatisfy {
                    fixture.smsBodies(to: $0).count == 1
                }
            })
        #expect(fixture.run("quiet", strategy: "nudge")?["state"] == .string("waiting"))
        #expect(fixture.run("quiet", strategy: "nudge")?["step"] == .string("wait-click"))

        // One opts out as a customer, one by phone number (the address maps back to the customer).
        #expect(fixture.request(#"{"op":"optout","customer":"quiet"}"#)?["ok"] == .bool(true))
        #expect(fixture.request(#"{"op":"optout","to":"13800138012"}"#)?["ok"] == .bool(true))
        // The exit is the opt-out's own commit: finished at once, long before the 2 s wait would end.
        for id in ["quiet", "byphone"] {
            let run = fixture.run(id, strategy: "nudge")
            #expect(run?["state"] == .string("finished"), "\(id): \(run?.serialized ?? "no run")")
            #expect(run?["outcome"] == .string("opted_out"))
        }
        // The bank's own `exit` ends a run the same way.
        let exit = fixture.request(#"{"op":"exit","customer":"cancelled","strategy":"nudge"}"#)
        #expect(exit?["state"] == .string("exited"), "\(exit?.serialized ?? "no answer")")
        #expect(fixture.run("cancelled", strategy: "nudge")?["outcome"] == .string("cancelled"))

        // The control customer's wait times out and the reminder goes; the others get nothing more.
        #expect(fixture.waitUntil(6) { fixture.smsBodies(to: "13800138013").count == 2 })
        Thread.sleep(forTimeInterval: 0.5)
        #expect(fixture.smsBodies(to: "13800138011").count == 1)
        #expect(fixture.smsBodies(to: "13800138012").count == 1)
        #expect(fixture.smsBodies(to: "13800138014").count == 1)
        #expect(fixture.run("control", strategy: "nudge")?["outcome"] == .string("completed"))
    }

    @Test(arguments: TestStore.allCases)
    func aConversionDuringAWaitFinishesTheRunAtOnceAndIsAttributedToTheLastTouch(store: TestStore) throws {
        let fixture = try StrategyFixtures(
            strategies: ["nudge": Self.nudge], extra: StrategyFixtures.affinity + "\n" + store.yaml())
        try fixture.start()
        fixture.customer("buyer", sms: "13800138021")
        #expect(fixture.enrol("nudge", "buyer")?["state"] == .string("enrolled"))
        #expect(fixture.waitUntil(5) { fixture.smsBodies(to: "13800138021").count == 1 })
        #expect(fixture.run("buyer", strategy: "nudge")?["state"] == .string("waiting"))

        let event = fixture.request(
            #"{"op":"event","event_id":"loan-1","customer":"buyer","type":"converted","value":50000}"#)
        #expect(event?["state"] == .string("recorded"), "\(event?.serialized ?? "no answer")")
        // Settled by the event's own commit: the next read already sees it finished.
        let run = fixture.run("buyer", strategy: "nudge")
        #expect(run?["state"] == .string("finished"), "\(run?.serialized ?? "no run")")
        #expect(run?["outcome"] == .string("exited"))

        Thread.sleep(forTimeInterval: 2.5)  // past the wait's 2 s: no reminder
        #expect(fixture.smsBodies(to: "13800138021").count == 1)

        // Credited to the last touch: the `offer` step on SMS, with its value.
        let report = fixture.request(#"{"op":"report","strategy":"nudge"}"#)
        let offer = StrategyFixtures.find(in: report) { $0["step"] == .string("offer") && $0["converted"] != nil }
        #expect(offer?["converted"]?.intValue == 1, "\(report?.serialized ?? "no report")")
        let channel = StrategyFixtures.find(in: report) {
            $0["channel_type"] == .string("sms") && $0["converted"] != nil
        }
        #expect(channel?["converted"]?.intValue == 1)
    }

    static func twoTouches(_ attribution: String) -> String {
        """
        exit_on: [converted]
        goal: {event: converted, within: 1h, attribution: \(attribution)}
        steps:
          - id: offer
            send: {channel: sms-main, content: "首贷优惠"}
          - {id: pause, wait: 1s}
          - id: reminder
            send: {channel: sms-main, content: "首贷优惠提醒"}
          - {id: wait-click, wait_for: {event: clicked, step: any, within: 5s, on_event: done, on_timeout: done}}
          - {id: done, stop: {}}
        """
    }

    @Test(arguments: TestStore.allCases)
    func aConversionAfterTwoTouchesIsCreditedToTheLastOrTheFirstAsTheGoalSays(store: TestStore) throws {
        let fixture = try StrategyFixtures(
            strategies: ["last": Self.twoTouches("last_touch"), "first": Self.twoTouches("first_touch")],
            extra: StrategyFixtures.affinity + "\n" + store.yaml())
        try fixture.start()
        fixture.customer("l1", sms: "13800138051")
        fixture.customer("f1", sms: "13800138052")
        #expect(fixture.enrol("last", "l1")?["state"] == .string("enrolled"))
        #expect(fixture.enrol("first", "f1")?["state"] == .string("enrolled"))
        #expect(
            fixture.waitUntil(6) {
                fixture.smsBodies(to: "13800138051").count == 2 && fixture.smsBodies(to: "13800138052").count == 2
            })
        for (customer, event) in [("l1", "buy-l1"), ("f1", "buy-f1")] {
            let answer = fixture.request(
                #"{"op":"event","event_id":"\#(event)","customer":"\#(customer)","type":"converted","value":100}"#)
            #expect(answer?["state"] == .string("recorded"))
        }
        for (strategy, credited, other) in [("last", "reminder", "offer"), ("first", "offer", "reminder")] {
            let report = fixture.request(#"{"op":"report","strategy":"\#(strategy)"}"#)
            let row = StrategyFixtures.find(in: report) { $0["step"] == .string(credited) && $0["converted"] != nil }
            #expect(row?["converted"]?.intValue == 1, "\(strategy): \(report?.serialized ?? "no report")")
            let rest = StrategyFixtures.find(in: report) { $0["step"] == .string(other) && $0["converted"] != nil }
            #expect(rest?["converted"]?.intValue == 0, "\(strategy): credited once")
        }
    }
}
