import ChannelKit
import Foundation
import Synchronization
import Testing

/// `subscribe`: committed state changes stream as JSON lines, filtered; a subscriber that stops reading is told
/// it lagged and never slows dispatch. Real `gatewayd`, `fakevendor` and `gatewayctl`.
@Suite(.serialized)
struct SubscribeTests {
    @Test func changesStreamInOrderWithFilters() throws {
        let gateway = try TestGateway(channels: ["sms": GatewayEndToEndTests.smsChannel()])
        try gateway.startDaemon()
        let subscriber = try ControlClient(path: gateway.socketPath)
        #expect(
            subscriber.request(#"{"op":"subscribe","channels":["sms"],"states":["queued","sent"]}"#)?["subscribed"]
                == .bool(true))
        let bad = try ControlClient(path: gateway.socketPath)
        #expect(bad.request(#"{"op":"subscribe","states":5}"#)?["error"]?["field"] == .string("states"))

        let client = try ControlClient(path: gateway.socketPath)
        var ids: [String] = []
        for index in 0..<3 {
            let answer = client.request(
                #"{"op":"send","channel":"sms","to":"1380000000\#(index)","template":"SMS_1","params":{"code":"\#(index)"},"customer":"C\#(index)"}"#
            )
            ids.append(try #require(answer?["message_id"]?.stringValue))
        }
        var seen: [String: [String]] = [:]
        var customers: [String: String] = [:]
        while seen.values.reduce(0, { $0 + $1.count }) < 6, let line = subscriber.readLine() {
            let change = try JSONParser.parse(line)
            let id = try #require(change["message_id"]?.stringValue)
            seen[id, default: []].append(change["state"]?.stringValue ?? "?")
            customers[id] = change["customer"]?.stringValue
            #expect(change["channel"] == .string("sms"))
            #expect(change["at"]?.stringValue?.hasSuffix("Z") == true)
        }
        for (index, id) in ids.enumerated() {
            #expect(seen[id] == ["queued", "sent"])
            #expect(customers[id] == "C\(index)")
        }
    }

    @Test func aSubscriberThatStopsReadingLagsButDispatchCarriesOn() throws {
        let gateway = try TestGateway(channels: ["sms": GatewayEndToEndTests.smsChannel()])
        try gateway.startDaemon()
        let sleeper = try ControlClient(path: gateway.socketPath)
        #expect(sleeper.request(#"{"op":"subscribe"}"#)?["subscribed"] == .bool(true))
        // It never reads while 20,000 messages go through (each makes at least two lines).
        let client = try ControlClient(path: gateway.socketPath)
        let acknowledged = GatewayEndToEndTests.sendMany(client, count: 20_000, tag: "lag")
        #expect(acknowledged.count == 20_000)
        let stats = try gateway.waitForVendor(unique: 20_000, timeout: 120)
        #expect(stats.unique == 20_000)
        // Reading now: the stream ends with a lagged notice saying where to resume.
        var last: JSONValue?
        for _ in 0..<200_000 {
            guard let line = sleeper.readLine() else { break }
            last = try? JSONParser.parse(line)
            if last?["event"] == .string("lagged") { break }
        }
        #expect(last?["event"] == .string("lagged"))
        let resume = try #require(last?["resume_since"]?.stringValue)
        #expect(resume.hasPrefix("20"))

        // Resuming replays the current state of what changed since then, and the stream runs live again.
        let again = try ControlClient(path: gateway.socketPath)
        #expect(
            again.request(#"{"op":"subscribe","since":"\#(resume)","states":"sent"}"#)?["subscribed"] == .bool(true))
        var replayed = 0
        while replayed < 10, let line = again.readLine() {
            #expect((try? JSONParser.parse(line))?["state"] == .string("sent"))
            replayed += 1
        }
        #expect(replayed == 10)
    }
}
