import ChannelKit
import Foundation
import Testing

/// A real `gatewayd` and a real `fakevendor`, in a temporary directory, for end-to-end tests.
final class TestGateway {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path
    /// The built executables; `GATEWAY_TEST_BIN` overrides `.build/debug` (for another `--scratch-path`).
    static let binaries = ProcessInfo.processInfo.environment["GATEWAY_TEST_BIN"] ?? packageRoot + "/.build/debug"

    let directory: String
    let vendor: ChildProcess
    let vendorPort: Int
    private(set) var daemon: ChildProcess?
    var socketPath: String { directory + "/gateway.sock" }
    var recordPath: String { directory + "/vendor.record" }

    /// Starts the fake vendor and writes a configuration with the given channel files (name → YAML, where
    /// `VENDOR` is replaced by the vendor's base URL).
    init(
        channels: [String: String], gatewayExtra: String = "", logLevel: String = "info", vendorArguments: [String] = []
    ) throws {
        directory = NSTemporaryDirectory() + "cg-e2e-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory + "/channels.d", withIntermediateDirectories: true)
        vendor = try ChildProcess(
            TestGateway.binaries + "/fakevendor",
            ["--port", "0", "--record", directory + "/vendor.record"] + vendorArguments,
            outputPath: directory + "/vendor.out"
        )
        guard vendor.waitForOutput(containing: "listening on 127.0.0.1:"),
            let portText = vendor.output.split(separator: ":").last?.split(separator: "\n").first,
            let port = Int(portText.trimmingCharacters(in: .whitespaces))
        else { throw TestFailure("fakevendor did not start: \(vendor.output)") }
        vendorPort = port
        let gateway = """
            socket: \(directory)/gateway.sock
            state_dir: \(directory)/state
            log_level: \(logLevel)
            drain_timeout: 10s
            \(gatewayExtra)
            \(gatewayExtra.contains("listen:") ? "" : "listen: 127.0.0.1:0")
            """
        try gateway.write(toFile: directory + "/gateway.yaml", atomically: true, encoding: .utf8)
        for (name, yaml) in channels {
            try yaml.replacingOccurrences(of: "VENDOR", with: "http://127.0.0.1:\(port)")
                .write(toFile: directory + "/channels.d/\(name).yaml", atomically: true, encoding: .utf8)
        }
    }

    /// A TCP port nothing listens on now (for a test that must know the callback listener's port up front).
    ///
    /// Chosen below Linux's ephemeral range (32768-60999): a port the kernel hands out for `bind(0)` is one it may
    /// also give any test's outgoing connection as its source port before the daemon binds it (a flake seen in CI:
    /// "Address already in use").
    static func freePort() -> Int {
        for _ in 0..<200 {
            let port = Int.random(in: 20_000..<32_000)
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(descriptor) }
            var address = LoopbackTCP.address(port: port)
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
                }
            }
            if bound { return port }
        }
        return 0
    }

    /// Replaces `VENDOR_BASE` in gateway.yaml by the vendor's base URL (for keys that name a vendor URL there).
    func fixVendorBase() throws {
        let path = directory + "/gateway.yaml"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        try text.replacingOccurrences(of: "VENDOR_BASE", with: "http://127.0.0.1:\(vendorPort)")
            .write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// Starts (or restarts) `gatewayd run` and waits until it serves.
    func startDaemon(environment: [String: String] = [:]) throws {
        let run = (daemon == nil ? 1 : 2)
        let process = try ChildProcess(
            TestGateway.binaries + "/gatewayd", ["run", "--config", directory + "/gateway.yaml"],
            outputPath: directory + "/gatewayd-\(run)-\(UUID().uuidString.prefix(4)).log",
            environment: environment
        )
        daemon = process
        guard process.waitForOutput(containing: "gateway ready") else {
            throw TestFailure("gatewayd did not start: \(process.output)")
        }
    }

    /// The callback listener's port, from the last start's log line.
    var callbackPort: Int? {
        let lines = daemon?.output.split(separator: "\n") ?? []
        guard let line = lines.last(where: { $0.contains("callback listener listening") }),
            let marker = line.range(of: "127.0.0.1:")
        else { return nil }
        return Int(line[marker.upperBound...].prefix { $0.isNumber })
    }

    /// Vendor-side counts: requests received, distinct refs, repeats.
    func vendorStats() throws -> (received: Int, unique: Int, duplicates: Int) {
        let value = try JSONParser.parse(try TestGateway.httpGet(port: vendorPort, path: "/stats"))
        return (value["received"]?.intValue ?? -1, value["unique"]?.intValue ?? -1, value["duplicates"]?.intValue ?? -1)
    }

    /// Polls the vendor until it has seen `unique` distinct messages (bounded).
    func waitForVendor(unique: Int, timeout: TimeInterval = 120) throws -> (received: Int, unique: Int, duplicates: Int)
    {
        let deadline = Date(timeIntervalSinceNow: timeout)
        var stats = try vendorStats()
        while stats.unique < unique && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.1)
            stats = try vendorStats()
        }
        return stats
    }

    /// Everything every `gatewayd` run of this gateway has logged.
    var daemonLogs: String {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return files.filter { $0.hasPrefix("gatewayd-") }.sorted()
            .compactMap { try? String(contentsOfFile: directory + "/" + $0, encoding: .utf8) }.joined()
    }

    /// Stops the vendor (flushing its record) and returns `ref → [bodies]`.
    func stopVendorAndReadRecord() throws -> [String: [String]] {
        vendor.stop()
        let text = try String(contentsOfFile: recordPath, encoding: .utf8)
        var bodies: [String: [String]] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "\t", maxSplits: 1)
            guard parts.count == 2 else { continue }
            bodies[String(parts[0]), default: []].append(String(parts[1]))
        }
        return bodies
    }

    /// A minimal HTTP/1.0 POST on loopback; the status and the body of the answer.
    static func httpPost(port: Int, path: String, body: String) throws -> (status: Int, body: String) {
        let bytes = Array(body.utf8)
        let request =
            "POST \(path) HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            + "Content-Length: \(bytes.count)\r\nConnection: close\r\n\r\n" + body
        let answer = String(decoding: try exchange(port: port, request: Array(request.utf8)), as: UTF8.self)
        let status = answer.split(separator: " ", maxSplits: 2).dropFirst().first.flatMap { Int($0) } ?? -1
        let content = answer.range(of: "\r\n\r\n").map { String(answer[$0.upperBound...]) } ?? ""
        return (status, content)
    }

    /// A minimal HTTP/1.0 GET on loopback; the whole answer, head included.
    static func httpGetRaw(port: Int, path: String) throws -> String {
        String(
            decoding: try exchange(
                port: port, request: Array("GET \(path) HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)),
            as: UTF8.self)
    }

    /// A minimal HTTP/1.0 GET on loopback (FoundationNetworking is not needed for one line of JSON).
    static func httpGet(port: Int, path: String) throws -> [UInt8] {
        let response = try exchange(
            port: port, request: Array("GET \(path) HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8))
        guard let split = response.indices.first(where: { response[$0...].starts(with: [13, 10, 13, 10]) }) else {
            throw TestFailure("malformed vendor reply")
        }
        return Array(response[(split + 4)...])
    }

    private static func exchange(port: Int, request: [UInt8]) throws -> [UInt8] {
        guard let descriptor = LoopbackTCP.connect(port: port) else {
            throw TestFailure("cannot connect to port \(port)")
        }
        defer { close(descriptor) }
        _ = request.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            response.append(contentsOf: chunk[..<count])
        }
        return response
    }

    deinit {
        // Every end-to-end run doubles as a privacy check: no mainland mobile number may appear unmasked.
        if let number = UnmaskedPhoneScan.firstNumber(in: daemonLogs) {
            Issue.record("unmasked phone number in gatewayd's log: \(number)")
        }
        daemon?.stop(signal: SIGKILL)
        vendor.stop(signal: SIGKILL)
        try? FileManager.default.removeItem(atPath: directory)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
