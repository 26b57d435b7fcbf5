import ChannelKit
import Foundation
import Testing

/// systemd readiness and message expiry, against the real daemon.
@Suite(.serialized)
struct LifecycleTests {
    /// A datagram socket standing in for systemd's `$NOTIFY_SOCKET`.
    final class NotifySocket {
        let path: String
        let descriptor: Int32

        init(path: String) throws {
            self.path = path
            descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8) + [0]) }
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            guard bound == 0 else { throw TestFailure("cannot bind notify socket") }
            var timeout = timeval(tv_sec: 20, tv_usec: 0)
            setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }

        func receive() -> String? {
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            return count > 0 ? String(decoding: buffer[..<count], as: UTF8.self) : nil
        }

        deinit {
            close(descriptor)
            unlink(path)
        }
    }

    @Test func sendsReadyOnceTheSocketListensAndStoppingOnSIGTERM() throws {
        let gateway = try TestGateway(channels: ["loop": "type: loopback\n"])
        let notify = try NotifySocket(path: gateway.directory + "/notify.sock")
        try gateway.startDaemon(environment: ["NOTIFY_SOCKET": notify.path])
        let ready = try #require(notify.receive())
        #expect(ready.hasPrefix("READY=1"))
        // READY came after the bind: the socket answers.
        let client = try ControlClient(path: gateway.socketPath)
        #expect(client.request(#"{"op":"health"}"#)?["status"]?.stringValue == "serving")
        gateway.daemon?.stop(signal: SIGTERM)
        #expect(notify.receive() == "STOPPING=1")
    }

    @Test func pingsTheWatchdogWhileItsLoopsTurn() throws {
        let gateway = try TestGateway(channels: ["loop": "type: loopback\n"])
        let notify = try NotifySocket(path: gateway.directory + "/notify.sock")
        // 400 ms: a ping every 200 ms.
        try gateway.startDaemon(environment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "400000"])
        #expect(notify.receive()?.hasPrefix("READY=1") == true)
        let started = Date()
        var pings = 0
        while pings < 3, let message = notify.receive(), message == "WATCHDOG=1" { pings += 1 }
        #expect(pings == 3)
        #expect(Date().timeIntervalSince(started) < 2)
        #expect(!gateway.daemonLogs.contains("watchdog withheld"), "both loops report progress from the start")
    }

    @Test func messagesPastNotAfterExpireInsteadOfSending() throws {
        // One message a second: of three sent at once with a 500 ms deadline, the first goes, two expire.
        let channel = "type: loopback\nrate_limit: { per_second: 1, burst: 1 }\n"
        let gateway = try TestGateway(channels: ["slow": channel])
        try gateway.startDaemon()
        let client = try ControlClient(path: gateway.socketPath)
        let deadline = Int64(Date().timeIntervalSince1970 * 1000) + 500
        var ids: [String] = []
        for index in 0..<3 {
            let answer = client.request(
                #"{"op":"send","channel":"slow","to":"u\#(index)","content":"x","not_after":\#(deadline)}"#
            )
            ids.append(try #require(answer?["message_id"]?.stringValue))
        }
        var states: [String] = []
        for id in ids {
            let message = try #require(FailureModeTests.waitForFinalState(client, id))
            states.append(message["state"]?.stringValue ?? "")
        }
        #expect(states == ["sent", "expired", "expired"])
        let stats = try #require(client.request(#"{"op":"stats"}"#)?["stats"])
        #expect(stats["expired"]?.intValue == 2)
        #expect(stats["sent"]?.intValue == 1)
    }
}
