import ChannelKit
import Foundation
import Testing

/// The HTTP listener against peers that connect and say nothing: they cannot take the descriptors the control
/// socket, the store and vendor transfers need (issue 11: 1,100 slow connections broke callbacks and the socket).
@Suite(.serialized)
struct ListenerLimitTests {
    /// Whether the peer has closed the connection (a read sees end of stream without waiting).
    static func closedByPeer(_ descriptor: Int32) -> Bool {
        var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, 0) > 0 else { return false }
        var byte: UInt8 = 0
        return read(descriptor, &byte, 1) <= 0
    }

    @Test func silentConnectionsBeyondTheCapAreRefusedAndTheDaemonKeepsWorking() throws {
        let port = TestGateway.freePort()
        let gateway = try TestGateway(
            channels: ["sms": GatewayEndToEndTests.smsChannel()], gatewayExtra: "listen: 127.0.0.1:\(port)")
        // 256 descriptors: the listener may hold at most 128 connections.
        let daemon = try ChildProcess(
            "/usr/bin/prlimit",
            [
                "--nofile=256:256", TestGateway.binaries + "/gatewayd", "run", "--config",
                gateway.directory + "/gateway.yaml",
            ],
            outputPath: gateway.directory + "/gatewayd-limited.log")
        defer { daemon.stop() }
        #expect(daemon.waitForOutput(containing: "gateway ready"), "\(daemon.output)")
        var silent: [Int32] = []
        defer { for descriptor in silent { close(descriptor) } }
        for _ in 0..<300 {
            if let descriptor = LoopbackTCP.connect(port: port) { silent.append(descriptor) }
        }
        Thread.sleep(forTimeInterval: 1)
        let held = silent.filter { !Self.closedByPeer($0) }.count
        #expect(held <= 128, "the listener holds \(held) silent connections")
        #expect(held >= 100, "connections under the cap are kept: \(held)")

        // The control socket, the store and vendor transfers still have descriptors.
        let client = try ControlClient(path: gateway.socketPath)
        #expect(client.request(#"{"op":"health"}"#)?["ok"] == .bool(true))
        var ids: [String] = []
        for index in 0..<20 {
            let answer = client.request(
                #"{"op":"send","channel":"sms","to":"138001380\#(String(format: "%02d", index))","template":"T","#
                    + #""params":{"code":"1"}}"#)
            ids.append(try #require(answer?["message_id"]?.stringValue))
        }
        for id in ids { #expect(FailureModeTests.waitForFinalState(client, id)?["state"]?.stringValue == "sent") }

        // Once the silent peers leave, callbacks and /metrics are served again.
        for descriptor in silent { close(descriptor) }
        silent.removeAll()
        Thread.sleep(forTimeInterval: 0.5)
        let page = try TestGateway.httpGetRaw(port: port, path: "/metrics")
        #expect(page.hasPrefix("HTTP/1.1 200"), "\(page.prefix(200))")
    }
}
