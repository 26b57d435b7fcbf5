import ChannelKit
import Foundation
import Testing

/// A changed strategy file becomes version 2 on reload: a run parked on version 1 finishes on version 1 (its send
/// uses v1's text), a new enrolment starts on version 2.
@Suite(.serialized)
struct StrategyReloadTests {
    static func definition(_ text: String) -> String {
        """
        steps:
          - {id: pause, wait: 2s}
          - id: notice
            send: {channel: sms-main, content: "\(text) {{customer.name|客户}}"}
        """
    }

    @Test(arguments: TestStore.allCases)
    func runsInFlightStayOnTheirVersionAndNewEnrolmentsTakeTheNewOne(store: TestStore) throws {
        let fixture = try StrategyFixtures(
            strategies: ["notice": Self.definition("版本一")], extra: StrategyFixtures.affinity + "\n" + store.yaml())
        try fixture.start()
        fixture.customer("early", sms: "13800138031")
        fixture.customer("late", sms: "13800138032")
        #expect(fixture.enrol("notice", "early")?["state"] == .string("enrolled"))
        #expect(fixture.run("early", strategy: "notice")?["version"]?.intValue == 1)

        try fixture.write(strategy: "notice", Self.definition("版本二"))
        let reload = fixture.request(#"{"op":"reload"}"#)
        #expect(reload?["ok"] == .bool(true), "\(reload?.serialized ?? "no answer")")
        #expect(fixture.enrol("notice", "late")?["state"] == .string("enrolled"))
        #expect(fixture.run("late", strategy: "notice")?["version"]?.intValue == 2)
        #expect(fixture.run("early", strategy: "notice")?["version"]?.intValue == 1)

        #expect(fixture.waitUntil(6) { fixture.smsBodies(to: "13800138032").count == 1 })
        #expect(fixture.waitUntil(2) { fixture.smsBodies(to: "13800138031").count == 1 })
        #expect(fixture.smsBodies(to: "13800138031").first?.contains("版本一") == true)
        #expect(fixture.smsBodies(to: "13800138032").first?.contains("版本二") == true)

        // `strategies` lists both versions, one finished run each.
        let list = fixture.request(#"{"op":"strategies"}"#)
        let notice = StrategyFixtures.find(in: list) { $0["name"] == .string("notice") }
        let versions = StrategyFixtures.items(notice?["versions"])
        #expect(versions.compactMap { $0["version"]?.intValue }.sorted() == [1, 2], "\(list?.serialized ?? "")")
        #expect(notice?["latest"]?.intValue == 2)
        #expect(fixture.waitUntil(2) { fixture.run("early", strategy: "notice")?["state"] == .string("finished") })

        // An unchanged file on the next reload is no new version.
        #expect(fixture.request(#"{"op":"reload"}"#)?["ok"] == .bool(true))
        let again = StrategyFixtures.find(in: fixture.request(#"{"op":"strategies"}"#)) {
            $0["name"] == .string("notice")
        }
        #expect(again?["latest"]?.intValue == 2)
    }
}
