import ChannelKit
import Foundation
import Testing

/// A new version with a `migrate` map moves runs parked before a mapped step onto it when the daemon reloads (and
/// when it starts): the run's version and step change, its timer is kept.
@Suite(.serialized)
struct StrategyMigrateTests {
    static let first = """
        steps:
          - {id: pause, wait: 60s}
          - id: notice
            send: {channel: sms-main, content: "第一版"}
        """

    static let second = """
        migrate: {notice: final}
        steps:
          - {id: hold, wait: 60s}
          - id: final
            send: {channel: sms-main, content: "第二版"}
        """

    @Test(arguments: TestStore.allCases)
    func aReloadMovesParkedRunsAsTheMigrateMapSays(store: TestStore) throws {
        let fixture = try StrategyFixtures(
            strategies: ["notice": Self.first], extra: StrategyFixtures.affinity + "\n" + store.yaml())
        try fixture.start()
        fixture.customer("parked", sms: "13800138041")
        #expect(fixture.enrol("notice", "parked")?["state"] == .string("enrolled"))
        #expect(fixture.waitUntil(5) { fixture.run("parked", strategy: "notice")?["step"] == .string("notice") })
        #expect(fixture.run("parked", strategy: "notice")?["version"]?.intValue == 1)

        try fixture.write(strategy: "notice", Self.second)
        let reload = fixture.request(#"{"op":"reload"}"#)
        #expect(reload?["ok"] == .bool(true), "\(reload?.serialized ?? "no answer")")
        #expect(
            fixture.waitUntil(5) { fixture.run("parked", strategy: "notice")?["version"]?.intValue == 2 },
            "\(fixture.run("parked", strategy: "notice")?.serialized ?? "no run")")
        #expect(fixture.run("parked", strategy: "notice")?["step"] == .string("final"))
        #expect(fixture.run("parked", strategy: "notice")?["next_timer"]?["kind"] == .string("wake"))
        #expect(fixture.smsBodies(to: "13800138041").isEmpty)
    }
}
