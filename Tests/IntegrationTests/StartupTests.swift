import ChannelKit
import Foundation
import Testing

/// One daemon per store, and every start-up failure as one clear line and a non-zero exit, never a crash
/// (issue 11: a second daemon re-sent the queue; a port in use ended in SIGILL).
@Suite(.serialized)
struct StartupTests {
    /// Runs `gatewayd run` on `config` and waits (bounded) for it to exit; its status and output.
    static func runToExit(
        _ gateway: TestGateway, config: String? = nil, timeout: TimeInterval = 20
    ) throws -> (status: Int32, reason: Process.TerminationReason, output: String) {
        let process = try ChildProcess(
            TestGateway.binaries + "/gatewayd", ["run", "--config", config ?? gateway.directory + "/gateway.yaml"],
            outputPath: gateway.directory + "/refused-\(UUID().uuidString.prefix(6)).out")
        let deadline = Date(timeIntervalSinceNow: timeout)
        while process.process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        if process.process.isRunning {
            process.stop(signal: SIGKILL)
            throw TestFailure("gatewayd kept running: \(process.output)")
        }
        return (process.process.terminationStatus, process.process.terminationReason, process.output)
    }

    /// The one error line a refused start printed (besides configuration issues, there must be exactly one).
    static func errorLines(_ output: String) -> [Substring] {
        output.split(separator: "\n").filter { $0.contains("critical") || $0.contains("error") }
    }

    static func expectCleanRefusal(
        _ result: (status: Int32, reason: Process.TerminationReason, output: String), mentions: String
    ) {
        #expect(result.reason == .exit, "ended by a signal, not an exit: \(result.output)")
        #expect(result.status == 1, "\(result.output)")
        let lines = errorLines(result.output)
        #expect(lines.count == 1, "one clear line: \(result.output)")
        #expect(lines.first?.contains(mentions) == true, "\(result.output)")
        #expect(!result.output.contains("Fatal error") && !result.output.contains("backtrace"), "\(result.output)")
    }

    @Test func aSecondDaemonOnTheSameStoreExitsNamingTheFirstAndLeavesItsSocketAlone() throws {
        let gateway = try TestGateway(channels: ["sms": GatewayEndToEndTests.smsChannel()])
        try gateway.startDaemon()
        let first = try #require(gateway.daemon)
        let refused = try Self.runToExit(gateway)
        Self.expectCleanRefusal(refused, mentions: "another gatewayd (pid \(first.pid)) is running on this store")
        // The first daemon still answers on its socket: the second neither unlinked nor rebound it.
        let client = try ControlClient(path: gateway.socketPath)
        #expect(client.request(#"{"op":"health"}"#)?["ok"] == .bool(true))
        #expect(first.process.isRunning)
        let lock = try String(contentsOfFile: gateway.directory + "/state/gatewayd.lock", encoding: .utf8)
        #expect(lock.trimmingCharacters(in: .whitespacesAndNewlines) == String(first.pid))
    }

    @Test func aDaemonOnAnotherStoreRefusesASocketALiveDaemonAnswersOn() throws {
        let gateway = try TestGateway(channels: ["sms": GatewayEndToEndTests.smsChannel()])
        try gateway.startDaemon()
        let other = gateway.directory + "/other.yaml"
        try """
        socket: \(gateway.socketPath)
        state_dir: \(gateway.directory)/other-state
        channels_dir: \(gateway.directory)/channels.d
        listen: off
        """.write(toFile: other, atomically: true, encoding: .utf8)
        let refused = try Self.runToExit(gateway, config: other)
        Self.expectCleanRefusal(refused, mentions: "another daemon is answering on it")
        let client = try ControlClient(path: gateway.socketPath)
        #expect(client.request(#"{"op":"health"}"#)?["ok"] == .bool(true))
    }

    @Test func aStaleSocketAndLockLeftByKillDashNineDoNotBlockTheNextStart() throws {
        let gateway = try TestGateway(channels: ["sms": GatewayEndToEndTests.smsChannel()])
        try gateway.startDaemon()
        gateway.daemon?.stop(signal: SIGKILL)
        #expect(FileManager.default.fileExists(atPath: gateway.socketPath))
        try gateway.startDaemon()
        let client = try ControlClient(path: gateway.socketPath)
        #expect(client.request(#"{"op":"health"}"#)?["ok"] == .bool(true))
    }

    @Test func aListenPortInUseIsOneLineAndExitOneNotACrash() throws {
        let port = TestGateway.freePort()
        let holder = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(holder) }
        var address = LoopbackTCP.address(port: port)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(holder, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        #expect(bound == 0 && listen(holder, 1) == 0)
        let gateway = try TestGateway(
            channels: ["sms": GatewayEndToEndTests.smsChannel()], gatewayExtra: "listen: 127.0.0.1:\(port)")
        let refused = try Self.runToExit(gateway)
        Self.expectCleanRefusal(refused, mentions: "callback listener 127.0.0.1:\(port): Address already in use")
        // Nothing is left behind that would block the next start: the lock and the socket are released.
        #expect(!FileManager.default.fileExists(atPath: gateway.socketPath))
    }

    @Test func aSocketDirectoryThatCannotBeMadeIsOneLine() throws {
        let gateway = try TestGateway(channels: ["sms": GatewayEndToEndTests.smsChannel()])
        let blocker = gateway.directory + "/not-a-directory"
        FileManager.default.createFile(atPath: blocker, contents: Data("x".utf8))
        let config = gateway.directory + "/gateway.yaml"
        let text = try String(contentsOfFile: config, encoding: .utf8)
        try text.replacingOccurrences(of: "socket: \(gateway.socketPath)", with: "socket: \(blocker)/run/gateway.sock")
            .write(toFile: config, atomically: true, encoding: .utf8)
        let refused = try Self.runToExit(gateway)
        Self.expectCleanRefusal(refused, mentions: "control socket \(blocker)/run/gateway.sock: cannot create")
    }

    @Test func anUnreadableStoreIsOneLine() throws {
        let gateway = try TestGateway(channels: ["sms": GatewayEndToEndTests.smsChannel()])
        try FileManager.default.createDirectory(
            atPath: gateway.directory + "/state", withIntermediateDirectories: true)
        // Tests run as root, which file modes do not stop: a file that is not a database is unreadable to anyone.
        try Data(repeating: 0x41, count: 8192).write(
            to: URL(fileURLWithPath: gateway.directory + "/state/gateway.sqlite3"))
        let refused = try Self.runToExit(gateway)
        Self.expectCleanRefusal(refused, mentions: "cannot start: store:")
    }

    @Test func anUnreadableConfigurationExitsOne() throws {
        let gateway = try TestGateway(channels: [:])
        let refused = try Self.runToExit(gateway, config: gateway.directory + "/missing.yaml")
        #expect(refused.reason == .exit && refused.status == 1, "\(refused.output)")
        #expect(refused.output.contains("missing.yaml"), "\(refused.output)")
        #expect(!refused.output.contains("Fatal error"), "\(refused.output)")
    }

    @Test func aStoreDeletedUnderTheDaemonStopsItInsteadOfAckingIntoNothing() throws {
        let gateway = try TestGateway(channels: ["sms": GatewayEndToEndTests.smsChannel()])
        try gateway.startDaemon()
        let client = try ControlClient(path: gateway.socketPath)
        let before = client.request(
            #"{"op":"send","channel":"sms","to":"13800138000","template":"T","params":{"code":"1"}}"#)
        #expect(before?["ok"] == .bool(true))
        let state = gateway.directory + "/state"
        for file in try FileManager.default.contentsOfDirectory(atPath: state) where file.hasPrefix("gateway.sqlite3") {
            try FileManager.default.removeItem(atPath: state + "/" + file)
        }
        let after = client.request(
            #"{"op":"send","channel":"sms","to":"13800138001","template":"T","params":{"code":"1"}}"#)
        #expect(
            after?["ok"] == .bool(false), "a send after the store is gone is not ACKed: \(String(describing: after))")
        let daemon = try #require(gateway.daemon)
        let deadline = Date(timeIntervalSinceNow: 20)
        while daemon.process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        #expect(!daemon.process.isRunning)
        #expect(daemon.process.terminationReason == .exit && daemon.process.terminationStatus == 1)
        #expect(daemon.output.contains("store lost"), "\(daemon.output)")
    }
}
