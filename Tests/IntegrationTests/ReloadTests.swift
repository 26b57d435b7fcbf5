import ChannelKit
import Foundation
import Testing

/// Reloading the configuration of a running daemon: valid changes swap in, invalid ones change nothing.
@Suite(.serialized)
struct ReloadTests {
    static func write(_ yaml: String, to gateway: TestGateway, channel: String) throws {
        try write(yaml, directory: gateway.directory, port: gateway.vendorPort, channel: channel)
    }

    static func write(_ yaml: String, directory: String, port: Int, channel: String) throws {
        try yaml.replacingOccurrences(of: "VENDOR", with: "http://127.0.0.1:\(port)")
            .write(toFile: directory + "/channels.d/\(channel).yaml", atomically: true, encoding: .utf8)
    }

    static func channels(_ client: ControlClient) -> [String: JSONValue] {
        guard case .array(let items)? = client.request(#"{"op":"channels"}"#)?["channels"] else { return [:] }
        var byName: [String: JSONValue] = [:]
        for item in items { byName[item["name"]?.stringValue ?? ""] = item }
        return byName
    }

    @Test func addsChangesAndHoldsInstancesAndRefusesABrokenEdit() throws {
        let gateway = try TestGateway(channels: [
            "sms": GatewayEndToEndTests.smsChannel(perSecond: 1000),
            "parked": "type: loopback\nrate_limit: { per_second: 0.001, burst: 1 }\n",
        ])
        let notify = try LifecycleTests.NotifySocket(path: gateway.directory + "/notify.sock")
        try gateway.startDaemon(environment: ["NOTIFY_SOCKET": notify.path])
        #expect(notify.receive()?.hasPrefix("READY=1") == true)
        let client = try ControlClient(path: gateway.socketPath)
        // Two messages for `parked`: one goes at once (burst 1), one waits behind the 0.001/s rate.
        for index in 0..<2 {
            let answer = client.request(#"{"op":"send","channel":"parked","to":"p\#(index)","content":"x"}"#)
            #expect(answer?["state"]?.stringValue == "queued")
        }

        // Add `extra`, change `sms`'s rate, remove `parked`.
        try Self.write("type: loopback\n", to: gateway, channel: "extra")
        try Self.write(GatewayEndToEndTests.smsChannel(perSecond: 500), to: gateway, channel: "sms")
        try FileManager.default.removeItem(atPath: gateway.directory + "/channels.d/parked.yaml")
        let reload = try #require(client.request(#"{"op":"reload","id":"r1"}"#))
        #expect(reload["ok"] == .bool(true), "\(reload.serialized)")
        #expect(reload["added"] == .array([.string("extra")]))
        #expect(reload["changed"] == .array([.string("sms")]))
        #expect(reload["removed"] == .array([.string("parked")]))
        let reloading = try #require(notify.receive())
        #expect(reloading.hasPrefix("RELOADING=1\nMONOTONIC_USEC="))
        #expect(notify.receive()?.hasPrefix("READY=1") == true)

        let listed = Self.channels(client)
        #expect(listed["sms"]?["rate_per_second"]?.scalarText == "500.0")
        #expect(listed["extra"]?["held"] == .bool(false))
        #expect(listed["parked"]?["held"] == .bool(true))
        #expect(listed["parked"]?["queued"]?.intValue == 1)
        let refused = client.request(#"{"op":"send","channel":"parked","to":"p9","content":"x"}"#)
        #expect(refused?["error"]?["code"]?.stringValue == "unknown_channel")
        let added = client.request(#"{"op":"send","channel":"extra","to":"e1","content":"x"}"#)
        #expect(added?["state"]?.stringValue == "queued")

        // A broken edit: the reload is refused with file:line:column and the old configuration keeps sending.
        try Self.write("type: sms\nvendor: http\nconcurrency: [\n", to: gateway, channel: "sms")
        let broken = try #require(client.request(#"{"op":"reload"}"#))
        #expect(broken["error"]?["code"]?.stringValue == "reload_failed")
        #expect(broken["error"]?["message"]?.stringValue?.contains("sms.yaml:") == true)
        let still = client.request(
            #"{"op":"send","channel":"sms","to":"13800138000","template":"T","params":{"code":"1"}}"#
        )
        let id = try #require(still?["message_id"]?.stringValue)
        #expect(FailureModeTests.waitForFinalState(client, id)?["state"]?.stringValue == "sent")
        #expect(Self.channels(client)["sms"]?["rate_per_second"]?.scalarText == "500.0")

        // SIGHUP takes the same path.
        try FileManager.default.removeItem(atPath: gateway.directory + "/channels.d/extra.yaml")
        try Self.write(GatewayEndToEndTests.smsChannel(perSecond: 700), to: gateway, channel: "sms")
        _ = notify.receive()
        _ = notify.receive()
        kill(gateway.daemon?.pid ?? 0, SIGHUP)
        #expect(notify.receive()?.hasPrefix("RELOADING=1") == true)
        #expect(notify.receive()?.hasPrefix("READY=1") == true)
        #expect(Self.channels(client)["sms"]?["rate_per_second"]?.scalarText == "700.0")
        #expect(Self.channels(client)["extra"]?["held"] == .bool(true))
    }

    @Test func restartOnlyChangesAreLoggedAndReportedUntilARestart() throws {
        let gateway = try TestGateway(channels: ["loop": "type: loopback\n"])
        try gateway.startDaemon()
        let client = try ControlClient(path: gateway.socketPath)
        let path = gateway.directory + "/gateway.yaml"
        let started = try String(contentsOfFile: path, encoding: .utf8)
        let pending = "\(path): 'max_line_bytes' changed; it takes effect at the next restart"
        func warnings(_ answer: JSONValue?) -> [String] {
            guard case .array(let items)? = answer?["warnings"] else { return [] }
            return items.compactMap(\.stringValue)
        }
        func loggedWarnings() -> Int {
            gateway.daemonLogs.split(separator: "\n").filter { $0.contains("warning") && $0.contains(pending) }.count
        }

        // SIGHUP has no caller: the warning goes to the log, at warning level.
        try (started + "\nmax_line_bytes: 65536\n").write(toFile: path, atomically: true, encoding: .utf8)
        kill(gateway.daemon?.pid ?? 0, SIGHUP)
        let deadline = Date(timeIntervalSinceNow: 20)
        while loggedWarnings() < 1 && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        #expect(loggedWarnings() == 1, "\(gateway.daemonLogs)")

        // Later reloads still compare with what the daemon started with, so the change stays reported (and
        // logged) with each one, whatever else they change.
        try Self.write("type: loopback\nrate_limit: { per_second: 7 }\n", to: gateway, channel: "loop")
        let second = try #require(client.request(#"{"op":"reload"}"#))
        #expect(second["ok"] == .bool(true), "\(second.serialized)")
        #expect(second["changed"] == .array([.string("loop")]))
        #expect(warnings(second) == [pending])
        let third = try #require(client.request(#"{"op":"reload"}"#))
        #expect(warnings(third) == [pending])
        #expect(loggedWarnings() == 3)

        // After a restart the file is what runs: nothing is pending any more.
        #expect(gateway.daemon?.stop() == 0)
        try gateway.startDaemon()
        let restarted = try ControlClient(path: gateway.socketPath)
        let fourth = try #require(restarted.request(#"{"op":"reload"}"#))
        #expect(fourth["ok"] == .bool(true), "\(fourth.serialized)")
        #expect(warnings(fourth).isEmpty)
    }

    @Test func tenReloadsDuringFiftyThousandMessagesLoseAndDoubleNothing() throws {
        let gateway = try TestGateway(channels: ["sms": GatewayEndToEndTests.smsChannel(perSecond: 20_000)])
        try gateway.startDaemon()
        let client = try ControlClient(path: gateway.socketPath)
        let control = try ControlClient(path: gateway.socketPath)
        let directory = gateway.directory
        let port = gateway.vendorPort
        let reloader = Thread {
            for round in 0..<10 {
                Thread.sleep(forTimeInterval: 0.3)
                // Alternately add and remove a side instance, and change the main instance's rate each time.
                let side = directory + "/channels.d/side.yaml"
                if round % 2 == 0 {
                    try? "type: loopback\n".write(toFile: side, atomically: true, encoding: .utf8)
                } else {
                    try? FileManager.default.removeItem(atPath: side)
                }
                try? Self.write(
                    GatewayEndToEndTests.smsChannel(perSecond: 10_000 + round * 1000), directory: directory,
                    port: port, channel: "sms"
                )
                _ = control.request(#"{"op":"reload"}"#)
            }
        }
        reloader.start()
        let acknowledged = GatewayEndToEndTests.sendMany(client, count: 50_000, tag: "r")
        #expect(acknowledged.count == 50_000)
        let stats = try gateway.waitForVendor(unique: 50_000, timeout: 180)
        #expect(stats.unique == 50_000)
        #expect(stats.duplicates == 0)
        while reloader.isExecuting { Thread.sleep(forTimeInterval: 0.05) }
    }
}
