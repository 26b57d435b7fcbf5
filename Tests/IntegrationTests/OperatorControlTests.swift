import ChannelKit
import Foundation
import Testing

/// What an operator undoes and controls (issue 12): cancel, pause and resume across a restart, requeue after an
/// outage and moving a paused instance's queue, vendor state in `channels`, and the whole consent log.
@Suite(.serialized)
struct OperatorControlTests {
    static func send(_ client: ControlClient, channel: String, index: Int, extra: String = "") throws -> String {
        let answer = client.request(
            #"{"op":"send","channel":"\#(channel)","to":"1380013\#(String(format: "%04d", index))","template":"T","#
                + #""params":{"code":"\#(index)"}\#(extra)}"#)
        return try #require(answer?["message_id"]?.stringValue, "\(String(describing: answer))")
    }

    static func state(_ client: ControlClient, _ id: String) -> String? {
        client.request(#"{"op":"status","message_id":"\#(id)"}"#)?["message"]?["state"]?.stringValue
    }

    static func channel(_ client: ControlClient, _ name: String) -> JSONValue? {
        guard case .array(let list)? = client.request(#"{"op":"channels"}"#)?["channels"] else { return nil }
        return list.first { $0["name"]?.stringValue == name }
    }

    @Test func cancelledMessagesNeverReachTheVendorAndFinishedOnesSayWhy() throws {
        let gateway = try TestGateway(
            channels: [
                "sms": GatewayEndToEndTests.smsChannel(),
                "slow": GatewayEndToEndTests.smsChannel(path: "/hang/send"),
            ])
        try gateway.startDaemon()
        let client = try ControlClient(path: gateway.socketPath)
        #expect(client.request(#"{"op":"pause","channel":"sms"}"#)?["paused"] == .bool(true))
        let byID = try Self.send(client, channel: "sms", index: 1)
        _ = try Self.send(client, channel: "sms", index: 2, extra: #","dedup_key":"stmt-2""#)
        let inAnHour = Int64(Date().timeIntervalSince1970 * 1000) + 3_600_000
        let deferred = try Self.send(client, channel: "sms", index: 3, extra: #","not_before":\#(inAnHour)"#)
        let kept = try Self.send(client, channel: "sms", index: 4)

        let cancelled = client.request(#"{"op":"cancel","id":9,"message_id":"\#(byID)"}"#)
        #expect(cancelled?["state"]?.stringValue == "cancelled", "\(String(describing: cancelled))")
        #expect(client.request(#"{"op":"cancel","dedup_key":"stmt-2"}"#)?["state"]?.stringValue == "cancelled")
        #expect(client.request(#"{"op":"cancel","message_id":"\#(deferred)"}"#)?["state"]?.stringValue == "cancelled")
        let again = client.request(#"{"op":"cancel","message_id":"\#(byID)"}"#)
        #expect(again?["error"]?["code"]?.stringValue == "not_cancellable")
        #expect(again?["error"]?["message"]?.stringValue?.contains("already cancelled") == true)
        #expect(
            client.request(#"{"op":"cancel","message_id":"m-none"}"#)?["error"]?["code"]?.stringValue == "not_found")
        #expect(client.request(#"{"op":"cancel"}"#)?["error"]?["code"]?.stringValue == "bad_request")

        #expect(client.request(#"{"op":"resume","channel":"sms"}"#)?["paused"] == .bool(false))
        #expect(FailureModeTests.waitForFinalState(client, kept)?["state"]?.stringValue == "sent")
        Thread.sleep(forTimeInterval: 0.5)
        // Only the one left reached the vendor.
        #expect(try gateway.vendorStats().unique == 1)
        #expect(Self.state(client, byID) == "cancelled")
        let sent = client.request(#"{"op":"cancel","message_id":"\#(kept)"}"#)
        #expect(sent?["error"]?["code"]?.stringValue == "not_cancellable")
        #expect(sent?["error"]?["message"]?.stringValue?.contains("sent") == true)

        // A request with the vendor right now is not withdrawn.
        let hanging = try Self.send(client, channel: "slow", index: 5)
        Thread.sleep(forTimeInterval: 0.5)
        let inFlight = client.request(#"{"op":"cancel","message_id":"\#(hanging)"}"#)
        #expect(
            inFlight?["error"]?["message"]?.stringValue?.contains("in_flight") == true,
            "\(String(describing: inFlight))")
    }

    @Test func aPauseOutlivesARestartAndResumeSendsWhatWaited() throws {
        let gateway = try TestGateway(channels: ["sms": GatewayEndToEndTests.smsChannel()])
        try gateway.startDaemon()
        var client = try ControlClient(path: gateway.socketPath)
        #expect(client.request(#"{"op":"pause","channel":"sms"}"#)?["ok"] == .bool(true))
        let ids = try (0..<5).map { try Self.send(client, channel: "sms", index: $0) }
        #expect(Self.channel(client, "sms")?["paused"] == .bool(true))
        #expect(client.request(#"{"op":"health"}"#)?["paused"] == .array([.string("sms")]))
        gateway.daemon?.stop()
        try gateway.startDaemon()
        client = try ControlClient(path: gateway.socketPath)
        Thread.sleep(forTimeInterval: 0.5)
        #expect(Self.channel(client, "sms")?["paused"] == .bool(true))
        #expect(try gateway.vendorStats().received == 0, "a paused instance sent")
        let port = try #require(gateway.callbackPort)
        let page = try TestGateway.httpGetRaw(port: port, path: "/metrics")
        #expect(page.contains(#"channel_gateway_instance_paused{channel="sms"} 1"#), "\(page)")
        #expect(client.request(#"{"op":"resume","channel":"sms"}"#)?["ok"] == .bool(true))
        for id in ids { #expect(FailureModeTests.waitForFinalState(client, id)?["state"]?.stringValue == "sent") }
        #expect(try gateway.vendorStats().unique == 5)
        #expect(
            client.request(#"{"op":"pause","channel":"nope"}"#)?["error"]?["code"]?.stringValue == "unknown_channel")
    }

    @Test func failedMessagesAreRequeuedOntoAnotherInstanceAndAQueueMovesOnce() throws {
        let dead = TestGateway.freePort()
        let gateway = try TestGateway(
            channels: [
                "sms": GatewayEndToEndTests.smsChannel(),
                "down": GatewayEndToEndTests.smsChannel()
                    .replacingOccurrences(of: "url: VENDOR", with: "url: http://127.0.0.1:\(dead)")
                    .replacingOccurrences(of: "attempts: 3", with: "attempts: 1"),
            ])
        try gateway.startDaemon()
        let client = try ControlClient(path: gateway.socketPath)
        let failed = try (0..<6).map { try Self.send(client, channel: "down", index: $0) }
        for id in failed { #expect(FailureModeTests.waitForFinalState(client, id)?["state"]?.stringValue == "failed") }
        let down = Self.channel(client, "down")
        #expect((down?["consecutive_failures"]?.intValue ?? 0) >= 6, "\(String(describing: down))")
        #expect(down?["last_error"]?.stringValue?.hasPrefix("vendor_unavailable") == true)
        #expect(down?["ambiguous"]?.intValue == 0, "a refused connection sent nothing")

        let dry = client.request(#"{"op":"requeue","channel":"down","reason":"vendor_unavailable","dry_run":true}"#)
        #expect(dry?["matched"]?.intValue == 6, "\(String(describing: dry))")
        let none = client.request(#"{"op":"requeue","channel":"down","reason":"throttled","dry_run":true}"#)
        #expect(none?["matched"]?.intValue == 0)
        let moved = client.request(#"{"op":"requeue","channel":"down","to_channel":"sms","since":"1h"}"#)
        #expect(moved?["requeued"]?.intValue == 6, "\(String(describing: moved))")
        for id in failed { #expect(FailureModeTests.waitForFinalState(client, id)?["state"]?.stringValue == "sent") }
        #expect(try gateway.vendorStats().unique == 6)

        // A paused instance's queue moves to another one, once: resuming it later sends nothing twice.
        #expect(client.request(#"{"op":"pause","channel":"down"}"#)?["ok"] == .bool(true))
        let waiting = try (10..<14).map { try Self.send(client, channel: "down", index: $0) }
        let active = client.request(#"{"op":"requeue","channel":"sms","queued":true,"to_channel":"down"}"#)
        #expect(active?["error"]?["code"]?.stringValue == "conflict")
        let queue = client.request(#"{"op":"requeue","channel":"down","queued":true,"to_channel":"sms"}"#)
        #expect(queue?["requeued"]?.intValue == 4, "\(String(describing: queue))")
        for id in waiting { #expect(FailureModeTests.waitForFinalState(client, id)?["state"]?.stringValue == "sent") }
        #expect(client.request(#"{"op":"resume","channel":"down"}"#)?["ok"] == .bool(true))
        Thread.sleep(forTimeInterval: 0.5)
        let stats = try gateway.vendorStats()
        #expect(stats.unique == 10 && stats.duplicates == 0, "\(stats)")
    }

    @Test func theWholeConsentLogIsExportedPageByPage() throws {
        let gateway = try TestGateway(channels: ["sms": GatewayEndToEndTests.smsChannel()])
        try gateway.startDaemon()
        let client = try ControlClient(path: gateway.socketPath)
        for index in 0..<7 {
            let answer = client.request(#"{"op":"optout","customer":"c\#(index)","evidence":"form \#(index)"}"#)
            #expect(answer?["ok"] == .bool(true))
        }
        let page = client.request(#"{"op":"consent_export","limit":3}"#)
        guard case .array(let first)? = page?["entries"] else {
            Issue.record("no entries: \(String(describing: page))")
            return
        }
        #expect(first.count == 3 && page?["more"] == .bool(true))
        let export = try ChildProcess(
            TestGateway.binaries + "/gatewayctl",
            ["--socket", gateway.socketPath, "consent", "export", "--all", "--format", "csv"],
            outputPath: gateway.directory + "/export.csv")
        export.process.waitUntilExit()
        let rows = export.output.split(separator: "\r\n")
        #expect(export.process.terminationStatus == 0, "\(export.output)")
        #expect(rows.count == 8, "\(export.output)")
        #expect(rows.last?.contains("form 6") == true)
        let future = client.request(#"{"op":"consent_export","since":"2999-01-01T00:00:00Z"}"#)
        #expect(future?["entries"] == .array([]))
    }
}
