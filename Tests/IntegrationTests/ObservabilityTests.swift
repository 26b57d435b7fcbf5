import ChannelKit
import Foundation
import Testing

/// What operators and their tools read from a real daemon's listener: a `/metrics` page Prometheus accepts
/// (checked by `promtool`), the build, process, reload, held and queue-age families, `/healthz` and `/readyz`
/// through a drain, and the shipped Grafana dashboard, every series of which must exist on the page.
@Suite(.serialized)
struct ObservabilityTests {
    /// `promtool` on PATH (Debian: `apt-get install prometheus`), if any.
    static let promtool: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/promtool" }.first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }()

    static let dashboardPath = TestGateway.packageRoot + "/packaging/grafana/channel-gateway.json"

    /// An HTTP GET on the listener: status and body.
    static func get(_ port: Int, _ path: String) throws -> (status: Int, body: String) {
        let answer = try TestGateway.httpGetRaw(port: port, path: path)
        let status = answer.split(separator: " ", maxSplits: 2).dropFirst().first.flatMap { Int($0) } ?? -1
        return (status, answer.range(of: "\r\n\r\n").map { String(answer[$0.upperBound...]) } ?? "")
    }

    /// Family name → type, from the page's `# TYPE` lines.
    static func families(_ page: String) -> [String: String] {
        var types: [String: String] = [:]
        for line in page.split(separator: "\n") where line.hasPrefix("# TYPE ") {
            let parts = line.split(separator: " ")
            if parts.count == 4 { types[String(parts[2])] = String(parts[3]) }
        }
        return types
    }

    /// The page once every series reads at least its minimum (bounded wait); the last page read otherwise.
    static func page(_ port: Int, until minimums: KeyValuePairs<String, Double>) throws -> String {
        var page = ""
        for _ in 0..<150 {
            page = try get(port, "/metrics").body
            if minimums.allSatisfy({ (MetricsTests.value(page, $0.key) ?? -1) >= $0.value }) { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return page
    }

    /// Runs `promtool check metrics` on `page`; its exit status and output.
    static func promtoolCheck(_ promtool: String, _ page: String) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: promtool)
        process.arguments = ["check", "metrics"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        input.fileHandleForWriting.write(Data(page.utf8))
        try input.fileHandleForWriting.close()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    @Test(.enabled(if: promtool != nil, "promtool is not installed: apt-get install prometheus (CI installs it)"))
    func aBusyDaemonsPagePassesPromtoolAndCountsEachReceiptOnce() throws {
        let port = TestGateway.freePort()
        // The stub vendor pushes Alibaba reports itself: 0002 twice, 0003 failed.
        let gateway = try TestGateway(
            channels: [
                "sms-aliyun": ReceiptEndToEndTests.aliyun, "bad": GatewayEndToEndTests.smsChannel(path: "/error/send"),
            ],
            gatewayExtra: "listen: 127.0.0.1:\(port)",
            vendorArguments: ["--report-to", "http://127.0.0.1:\(port)/callbacks/sms-aliyun"])
        try gateway.startDaemon(environment: ["ALIYUN_AK": "test-ak", "ALIYUN_SK": "test-sk"])
        let client = try ControlClient(path: gateway.socketPath)
        for (index, number) in ["13800000001", "13800000002", "13800000003", "13800000004"].enumerated() {
            let answer = client.request(
                #"{"op":"send","channel":"sms-aliyun","to":"\#(number)","template":"SMS_1","params":{"code":"\#(index)"}}"#
            )
            #expect(answer?["state"] == .string("queued"))
        }
        _ = client.request(#"{"op":"send","channel":"bad","to":"13800000009","template":"SMS_1"}"#)
        _ = client.request(#"{"op":"send","channel":"nowhere","to":"1","content":"x"}"#)
        // Reports arrive in any order: wait for all of them.
        let page = try Self.page(
            port,
            until: [
                #"channel_gateway_receipts_total{channel="sms-aliyun",event="delivered"}"#: 3,
                #"channel_gateway_receipts_total{channel="sms-aliyun",event="failed"}"#: 1,
                #"channel_gateway_receipts_duplicate_total{channel="sms-aliyun"}"#: 1,
            ])

        // Four messages, four receipts kept (three delivered, one failed) and the repeated push apart.
        #expect(
            MetricsTests.value(page, #"channel_gateway_receipts_total{channel="sms-aliyun",event="delivered"}"#) == 3)
        #expect(MetricsTests.value(page, #"channel_gateway_receipts_total{channel="sms-aliyun",event="failed"}"#) == 1)
        #expect(MetricsTests.value(page, #"channel_gateway_receipts_duplicate_total{channel="sms-aliyun"}"#) == 1)
        #expect(!page.contains("channel_gateway_callback_receipts_total"))

        let promtool = try #require(Self.promtool)
        let check = try Self.promtoolCheck(promtool, page)
        #expect(check.status == 0 && check.output.isEmpty, "promtool check metrics: \(check.output)")
        // One HELP and one TYPE per family, each family's samples together.
        var seen: Set<String> = []
        var current = ""
        for line in page.split(separator: "\n") {
            if line.hasPrefix("# TYPE ") {
                current = String(line.split(separator: " ")[2])
                #expect(seen.insert(current).inserted, "family \(current) declared twice")
            } else if !line.hasPrefix("#") {
                #expect(line.hasPrefix(current), "sample outside its family: \(line)")
            }
        }
    }

    @Test func buildProcessReloadHeldAndOldestQueuedAge() throws {
        let gateway = try TestGateway(channels: [
            "parked": "type: loopback\nrate_limit: { per_second: 0.001, burst: 1 }\n", "other": "type: loopback\n",
        ])
        try gateway.startDaemon()
        let port = try #require(gateway.callbackPort)
        let client = try ControlClient(path: gateway.socketPath)
        // One goes at once (burst 1); the second waits behind the 0.001/s rate.
        for index in 0..<2 {
            let answer = client.request(#"{"op":"send","channel":"parked","to":"p\#(index)","content":"x"}"#)
            #expect(answer?["state"]?.stringValue == "queued")
        }
        let started = Date().timeIntervalSince1970
        var page = try Self.page(port, until: [#"channel_gateway_queue_oldest_age_seconds{channel="parked"}"#: 1])
        #expect(MetricsTests.value(page, #"channel_gateway_queue_depth{channel="parked"}"#) == 1)
        let age = try #require(MetricsTests.value(page, #"channel_gateway_queue_oldest_age_seconds{channel="parked"}"#))
        #expect(age >= 1 && age < 30)
        #expect(MetricsTests.value(page, #"channel_gateway_queue_oldest_age_seconds{channel="other"}"#) == 0)
        #expect(MetricsTests.value(page, #"channel_gateway_instance_held{channel="parked"}"#) == 0)

        let build = try #require(page.split(separator: "\n").first { $0.hasPrefix("channel_gateway_build_info{") })
        #expect(build.contains(#"version=""#) && build.contains(#"swift_version="6."#) && build.hasSuffix(" 1"))
        #expect(try #require(MetricsTests.value(page, "process_resident_memory_bytes")) > 1_000_000)
        #expect(try #require(MetricsTests.value(page, "process_open_fds")) > 5)
        #expect(try #require(MetricsTests.value(page, "process_max_fds")) >= 256)
        let startTime = try #require(MetricsTests.value(page, "process_start_time_seconds"))
        #expect(startTime > started - 60 && startTime <= started + 1)
        #expect(MetricsTests.value(page, #"channel_gateway_reloads_total{result="success"}"#) == 0)
        #expect(MetricsTests.value(page, "channel_gateway_config_last_reload_successful") == 1)

        // Remove `parked`: its queue is held, still aged; then a broken edit is refused and counted.
        try FileManager.default.removeItem(atPath: gateway.directory + "/channels.d/parked.yaml")
        #expect(client.request(#"{"op":"reload"}"#)?["ok"] == .bool(true))
        page = try Self.get(port, "/metrics").body
        #expect(MetricsTests.value(page, #"channel_gateway_instance_held{channel="parked"}"#) == 1)
        #expect(MetricsTests.value(page, #"channel_gateway_instance_held{channel="other"}"#) == 0)
        #expect(
            try #require(MetricsTests.value(page, #"channel_gateway_queue_oldest_age_seconds{channel="parked"}"#)) >= 1)
        #expect(MetricsTests.value(page, #"channel_gateway_reloads_total{result="success"}"#) == 1)
        try "type: loopback\nrate_limit: [".write(
            toFile: gateway.directory + "/channels.d/other.yaml", atomically: true, encoding: .utf8)
        #expect(client.request(#"{"op":"reload"}"#)?["ok"] == .bool(false))
        page = try Self.get(port, "/metrics").body
        #expect(MetricsTests.value(page, #"channel_gateway_reloads_total{result="failure"}"#) == 1)
        #expect(MetricsTests.value(page, "channel_gateway_config_last_reload_successful") == 0)
    }

    /// An operator's `top -H` or `perf` tells the daemon's threads apart: each long-lived one names itself.
    @Test func longLivedThreadsCarryTheirNames() throws {
        let gateway = try TestGateway(channels: ["sms": "type: loopback\n"])
        try gateway.startDaemon()
        let pid = try #require(gateway.daemon?.pid)
        let wanted: Set = ["store-writer", "store-checkpt", "dispatcher", "transport"]
        // Each thread names itself once it runs; on a loaded machine that can come after the socket is up.
        var names: Set<String> = []
        let deadline = Date().addingTimeInterval(10)
        repeat {
            let tasks = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")
            names = Set(
                tasks.compactMap { task in
                    try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/comm", encoding: .utf8)
                        .trimmingCharacters(in: .whitespacesAndNewlines)
                })
            if names.isSuperset(of: wanted) { break }
            usleep(50_000)
        } while Date() < deadline
        for name in wanted.sorted() {
            #expect(names.contains(name), "threads: \(names.sorted())")
        }
    }

    @Test func readinessFailsWhileDrainingBeforeTheListenerCloses() throws {
        // A vendor that never answers: the send stays in flight, so the drain waits for its 3 s timeout.
        let gateway = try TestGateway(channels: [
            "hang": GatewayEndToEndTests.smsChannel(path: "/hang/send").replacingOccurrences(
                of: "timeout: 5s", with: "timeout: 3s")
        ])
        try gateway.startDaemon()
        let port = try #require(gateway.callbackPort)
        #expect(try Self.get(port, "/healthz") == (200, "ok\n"))
        #expect(try Self.get(port, "/readyz") == (200, "ready\n"))
        #expect(try Self.get(port, "/healthz?verbose=1").status == 200)
        let client = try ControlClient(path: gateway.socketPath)
        let answer = client.request(
            #"{"op":"send","channel":"hang","to":"13800000001","template":"SMS_1","params":{"code":"1"}}"#)
        #expect(answer?["state"] == .string("queued"), "\(answer?.serialized ?? "no answer")")
        _ = try gateway.waitForVendor(unique: 1, timeout: 10)

        let daemon = try #require(gateway.daemon)
        let signalled = Date()
        kill(daemon.pid, SIGTERM)
        var draining: (status: Int, body: String)?
        var closedAfter: TimeInterval?
        while Date().timeIntervalSince(signalled) < 15 {
            guard let ready = try? Self.get(port, "/readyz") else {
                closedAfter = Date().timeIntervalSince(signalled)
                break
            }
            if ready.status == 503 && draining == nil {
                draining = ready
                // Still live while draining: the loops turn until the transfers are done.
                #expect(try Self.get(port, "/healthz").status == 200)
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        #expect(draining?.body == "draining\n", "readiness never said draining before the listener closed")
        let closed = try #require(closedAfter, "the listener never closed")
        #expect(closed >= 1, "the listener closed \(closed) s after SIGTERM, before the transfer in flight ended")
        #expect(daemon.stop(timeout: 20) == 0)
    }

    @Test(.enabled(if: canUnshareMounts, "needs root and unshare -m to mount a small tmpfs"))
    func readinessFailsWhileTheStoresFileSystemIsFullAndRecovers() throws {
        let port = TestGateway.freePort()
        let gateway = try TestGateway(
            channels: ["sms": GatewayEndToEndTests.smsChannel()], gatewayExtra: "listen: 127.0.0.1:\(port)")
        let state = gateway.directory + "/state"
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        let daemon = try StoreFaultTests.daemonInNamespace(
            gateway, setup: "mount -t tmpfs -o size=3m tmpfs '\(state)'", name: "full-ready")
        defer { daemon.stop() }
        #expect(daemon.waitForOutput(containing: "gateway ready"), "\(daemon.output)")
        #expect(try Self.get(port, "/readyz") == (200, "ready\n"))
        // Fill the daemon's tmpfs (seen through its root) to the last block.
        let filler = "/proc/\(daemon.pid)/root\(state)/filler"
        FileManager.default.createFile(atPath: filler, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: filler))
        while (try? handle.write(contentsOf: Data(repeating: 0x55, count: 64 * 1024))) != nil {}
        try? handle.close()
        let full = try Self.get(port, "/readyz")
        #expect(full.status == 503 && full.body.hasPrefix("store: ") && full.body.contains("KiB free"), "\(full)")
        #expect(try Self.get(port, "/healthz").status == 200, "a full disk is not a stuck daemon")
        try FileManager.default.removeItem(atPath: filler)
        #expect(try Self.get(port, "/readyz") == (200, "ready\n"))
    }

    @Test func everySeriesTheDashboardQueriesIsOnTheMetricsPage() throws {
        let data = try #require(FileManager.default.contents(atPath: Self.dashboardPath))
        let dashboard = try JSONParser.parse(Array(data))
        #expect(dashboard["uid"]?.stringValue == "channel-gateway")
        // Every string of the dashboard: expressions, variable queries, descriptions.
        var texts: [String] = []
        var expressions: [String] = []
        func walk(_ value: JSONValue, key: String?) {
            switch value {
            case .string(let text):
                texts.append(text)
                if key == "expr" { expressions.append(text) }
            case .array(let items): for item in items { walk(item, key: key) }
            case .object(let members): for (name, member) in members { walk(member, key: name) }
            default: break
            }
        }
        walk(dashboard, key: nil)
        #expect(expressions.count >= 30)
        if let promtool = Self.promtool {
            // Each expression must parse as PromQL: promtool checks them as recording rules, with Grafana's
            // variables replaced by what they stand for.
            var rules = "groups:\n- name: dashboard\n  rules:\n"
            for (index, expression) in expressions.enumerated() {
                var query = expression.replacingOccurrences(of: "$__rate_interval", with: "5m")
                for variable in ["$job", "$instance", "$channel"] {
                    query = query.replacingOccurrences(of: variable, with: ".*")
                }
                rules +=
                    "  - record: dashboard:expr\(index)\n    expr: '\(query.replacingOccurrences(of: "'", with: "''"))'\n"
            }
            let path = NSTemporaryDirectory() + "cg-dashboard-rules-\(UUID().uuidString).yml"
            try rules.write(toFile: path, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: path) }
            let check = Process()
            check.executableURL = URL(fileURLWithPath: promtool)
            check.arguments = ["check", "rules", path]
            let output = Pipe()
            check.standardOutput = output
            check.standardError = output
            try check.run()
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            check.waitUntilExit()
            #expect(check.terminationStatus == 0, "a dashboard expression is not valid PromQL: \(text)")
        }
        let pattern = try Regex(#"\b(channel_gateway_[a-z0-9_]+|process_[a-z0-9_]+)"#)
        var names: Set<String> = []
        for text in texts {
            for match in text.matches(of: pattern) { names.insert(String(text[match.range])) }
        }
        #expect(names.count >= 25)

        let gateway = try TestGateway(channels: ["sms": GatewayEndToEndTests.smsChannel()])
        try gateway.startDaemon()
        let page = try Self.get(try #require(gateway.callbackPort), "/metrics").body
        let families = Self.families(page)
        for name in names.sorted() {
            if families[name] != nil { continue }
            let histogram = ["_bucket", "_sum", "_count"].compactMap { suffix -> String? in
                name.hasSuffix(suffix) ? String(name.dropLast(suffix.count)) : nil
            }.first
            if let histogram, families[histogram] == "histogram" { continue }
            Issue.record("the dashboard queries \(name), which /metrics does not declare")
        }
    }
}
