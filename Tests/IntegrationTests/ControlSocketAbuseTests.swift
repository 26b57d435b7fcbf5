import ChannelKit
import Foundation
import Testing

/// Clients an outsider writes: one that pipelines and half-closes, one that never reads its answers, and a
/// well-behaved client beside a busy one (issue 11).
@Suite(.serialized)
struct ControlSocketAbuseTests {
    /// A raw Unix stream socket to the control socket, without any client library's manners.
    static func connectRaw(_ path: String) throws -> Int32 {
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in path.utf8.enumerated() { buffer[index] = byte }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else { throw TestFailure("cannot connect to \(path)") }
        return descriptor
    }

    static func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if written <= 0 { return }
            offset += written
        }
    }

    /// Reads until end of stream; the lines read.
    static func readToEnd(_ descriptor: Int32) -> [Substring] {
        var data: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            data.append(contentsOf: chunk[..<count])
        }
        return String(decoding: data, as: UTF8.self).split(separator: "\n")
    }

    static func residentKilobytes(_ pid: Int32) -> Int {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }

    @Test func aClientThatPipelinesThenHalfClosesGetsEveryAnswer() throws {
        let gateway = try TestGateway(channels: ["sms": GatewayEndToEndTests.smsChannel()])
        try gateway.startDaemon()
        let stats = try Self.connectRaw(gateway.socketPath)
        defer { close(stats) }
        Self.writeAll(stats, Array(String(repeating: #"{"op":"stats"}"# + "\n", count: 2000).utf8))
        shutdown(stats, Int32(SHUT_WR))
        #expect(Self.readToEnd(stats).count == 2000)

        var sends = ""
        for index in 0..<5000 {
            sends +=
                #"{"op":"send","id":\#(index),"channel":"sms","to":"1380013\#(String(format: "%04d", index))","#
                + #""template":"T","params":{"code":"1"}}"# + "\n"
        }
        let sender = try Self.connectRaw(gateway.socketPath)
        defer { close(sender) }
        Self.writeAll(sender, Array(sends.utf8))
        shutdown(sender, Int32(SHUT_WR))
        let answers = Self.readToEnd(sender)
        #expect(answers.count == 5000)
        #expect(answers.allSatisfy { $0.contains(#""ok":true"#) })
    }

    @Test func aClientThatNeverReadsCannotGrowTheDaemonAndOthersAreStillServed() throws {
        let gateway = try TestGateway(channels: ["sms": GatewayEndToEndTests.smsChannel()])
        try gateway.startDaemon()
        let pid = try #require(gateway.daemon?.pid)
        let before = Self.residentKilobytes(pid)
        let hog = try Self.connectRaw(gateway.socketPath)
        defer { close(hog) }
        // Non-blocking, so the test notices when the daemon stops reading instead of hanging in write().
        _ = fcntl(hog, F_SETFL, fcntl(hog, F_GETFL) | O_NONBLOCK)
        let requests = Array(String(repeating: #"{"op":"stats"}"# + "\n", count: 4096).utf8)
        var written = 0
        var stalled = 0
        while written < 64 << 20 && stalled < 50 {
            let count = requests.withUnsafeBytes { write(hog, $0.baseAddress, $0.count) }
            if count > 0 {
                written += count
                stalled = 0
            } else {
                stalled += 1
                Thread.sleep(forTimeInterval: 0.02)
            }
        }
        #expect(written < 64 << 20, "the daemon kept reading from a client that never reads")
        let grown = Self.residentKilobytes(pid) - before
        #expect(grown < 64 * 1024, "daemon grew by \(grown) KiB for one client that does not read")
        let client = try ControlClient(path: gateway.socketPath)
        #expect(client.request(#"{"op":"health","id":7}"#)?["id"] == .number("7"))
    }
}
