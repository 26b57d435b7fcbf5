import ChannelKit
import Foundation
import Testing

/// Whether this process may make mount namespaces (root with unshare), for the store fault tests.
let canUnshareMounts: Bool = {
    let probe = Process()
    probe.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
    probe.arguments = ["-m", "true"]
    guard (try? probe.run()) != nil else { return false }
    probe.waitUntilExit()
    return probe.terminationStatus == 0
}()

/// The store's file system failing under the daemon: read-only at start, full while serving. Each runs the
/// daemon in a private mount namespace (`unshare -m`, root only) so the test can mount what it needs.
@Suite(.serialized, .enabled(if: canUnshareMounts, "needs root and unshare -m"))
struct StoreFaultTests {

    /// `gatewayd run` inside a new mount namespace, after `setup` (shell) has run there.
    static func daemonInNamespace(_ gateway: TestGateway, setup: String, name: String) throws -> ChildProcess {
        let command =
            "\(setup) && exec '\(TestGateway.binaries)/gatewayd' run --config '\(gateway.directory)/gateway.yaml'"
        return try ChildProcess(
            "/usr/bin/unshare", ["-m", "/bin/sh", "-c", command], outputPath: gateway.directory + "/\(name).log")
    }

    @Test func aReadOnlyStoreAtStartIsOneLineAndExitOneNotServing() throws {
        let gateway = try TestGateway(channels: ["sms": GatewayEndToEndTests.smsChannel()])
        try gateway.startDaemon()
        gateway.daemon?.stop()
        let database = gateway.directory + "/state/gateway.sqlite3"
        #expect(FileManager.default.fileExists(atPath: database))
        let daemon = try Self.daemonInNamespace(
            gateway, setup: "mount --bind '\(database)' '\(database)' && mount -o remount,bind,ro '\(database)'",
            name: "read-only")
        let deadline = Date(timeIntervalSinceNow: 20)
        while daemon.process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        #expect(!daemon.process.isRunning, "a daemon on a read-only store must not serve: \(daemon.output)")
        #expect(daemon.process.terminationReason == .exit && daemon.process.terminationStatus == 1)
        #expect(
            daemon.output.contains("cannot start: store:") && daemon.output.contains("not writable"), "\(daemon.output)"
        )
        #expect(!daemon.output.contains("gateway ready"))
    }

    @Test func aFullDiskRefusesSendsWithoutLosingAckedOnesAndRecoversAtOnce() throws {
        let gateway = try TestGateway(channels: ["sms": GatewayEndToEndTests.smsChannel()])
        let state = gateway.directory + "/state"
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        let daemon = try Self.daemonInNamespace(
            gateway, setup: "mount -t tmpfs -o size=3m tmpfs '\(state)'", name: "full-disk")
        defer { daemon.stop() }
        #expect(daemon.waitForOutput(containing: "gateway ready"), "\(daemon.output)")
        // The tmpfs is visible to the test through the daemon's root.
        let filler = "/proc/\(daemon.pid)/root\(state)/filler"
        let chunk = Data(repeating: 0x55, count: 64 * 1024)
        FileManager.default.createFile(atPath: filler, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: filler))
        while (try? handle.write(contentsOf: chunk)) != nil {}
        try? handle.close()

        let client = try ControlClient(path: gateway.socketPath)
        let content = String(repeating: "余额提醒", count: 200)
        var acked: [String] = []
        var refused = 0
        for index in 0..<300 {
            let answer = client.request(
                #"{"op":"send","channel":"sms","to":"1380013\#(String(format: "%04d", index))","template":"T","#
                    + #""params":{"code":"\#(content)"}}"#)
            if answer?["ok"] == .bool(true), let id = answer?["message_id"]?.stringValue {
                acked.append(id)
            } else {
                refused += 1
            }
        }
        #expect(refused > 0, "a full disk must refuse sends")
        #expect(daemon.process.isRunning, "\(daemon.output)")

        try FileManager.default.removeItem(atPath: filler)
        let after = client.request(
            #"{"op":"send","channel":"sms","to":"13900139000","template":"T","params":{"code":"1"}}"#)
        #expect(after?["ok"] == .bool(true), "sends are taken again once there is room: \(String(describing: after))")
        for id in acked {
            #expect(client.request(#"{"op":"status","message_id":"\#(id)"}"#)?["message"] != nil, "acked \(id) lost")
        }
    }
}
