import ChannelKit
import Foundation
import Testing

/// The operator's command line against the real binaries: `tail` into a pipe, its usage errors, the one
/// `--since` grammar, `--version`, `unknown_op`, `check-config --credentials-dir/--json` and the Alibaba
/// `template_code` default.
@Suite(.serialized)
struct OperatorCLITests {
    static let gatewayctl = TestGateway.binaries + "/gatewayctl"
    static let gatewayd = TestGateway.binaries + "/gatewayd"

    /// Runs a command to its end and returns its exit status and output.
    static func run(
        _ executable: String, _ arguments: [String], in directory: String, environment: [String: String] = [:]
    ) throws -> (Int32, String) {
        let process = try ChildProcess(
            executable, arguments, outputPath: directory + "/run-\(UUID().uuidString.prefix(8)).out",
            environment: environment)
        let status = process.stop(signal: 0, timeout: 60)
        return (status, process.output)
    }

    @Test func tailIntoAFileShowsEachChangeAtOnce() throws {
        let gateway = try TestGateway(channels: ["loop": "type: loopback\n"])
        try gateway.startDaemon()
        // Output into a file, as into a pipe: not a terminal, so stdio would buffer it.
        let tail = try ChildProcess(
            Self.gatewayctl, ["--socket", gateway.socketPath, "tail", "--state", "sent"],
            outputPath: gateway.directory + "/tail.out")
        defer { tail.stop(signal: SIGKILL) }  // under the test runner SIGTERM waited out the 30 s stop timeout
        Thread.sleep(forTimeInterval: 0.5)
        let client = try ControlClient(path: gateway.socketPath)
        let answer = client.request(#"{"op":"send","channel":"loop","to":"u1","content":"hi"}"#)
        let id = try #require(answer?["message_id"]?.stringValue)
        #expect(tail.waitForOutput(containing: id, timeout: 10), "\(tail.output)")
        #expect(tail.output.contains("sent"))
    }

    @Test func aMisspeltStateIsAUsageErrorNamingTheValidOnes() throws {
        let gateway = try TestGateway(channels: ["loop": "type: loopback\n"])
        try gateway.startDaemon()
        let (status, output) = try Self.run(
            Self.gatewayctl, ["--socket", gateway.socketPath, "tail", "--state", "bogus"], in: gateway.directory)
        #expect(status == 64, "\(output)")
        #expect(output.contains("unknown state 'bogus'"), "\(output)")
        #expect(output.contains("queued, deferred, suppressed"), "\(output)")
        // The daemon refuses it too, for clients other than gatewayctl.
        let client = try ControlClient(path: gateway.socketPath)
        let refused = client.request(#"{"op":"subscribe","states":["sent","bogus"]}"#)
        #expect(refused?["error"]?["code"]?.stringValue == "bad_request")
        #expect(refused?["error"]?["message"]?.stringValue?.contains("no_answer") == true)
    }

    @Test func reportAndTailTakeOneSinceGrammar() throws {
        let gateway = try TestGateway(channels: ["loop": "type: loopback\n"])
        try gateway.startDaemon()
        let client = try ControlClient(path: gateway.socketPath)
        for since in ["30m", "24h", "2026-11-18T11:06:40Z", "1795000000000"] {
            #expect(client.request(#"{"op":"report","since":"\#(since)"}"#)?["ok"] == .bool(true), "\(since)")
            let subscriber = try ControlClient(path: gateway.socketPath)
            #expect(
                subscriber.request(#"{"op":"subscribe","since":"\#(since)"}"#)?["subscribed"] == .bool(true),
                "\(since)")
        }
        for op in ["report", "subscribe"] {
            let subscriber = try ControlClient(path: gateway.socketPath)
            let refused = subscriber.request(#"{"op":"\#(op)","since":"yesterday"}"#)
            #expect(
                refused?["error"]?["message"]?.stringValue
                    == "'since' must be a duration back from now (30m, 24h, 7d), an RFC 3339 time or whole epoch "
                    + "milliseconds", "\(op)")
        }
        let (status, output) = try Self.run(
            Self.gatewayctl, ["--socket", gateway.socketPath, "report", "--since", "yesterday"], in: gateway.directory)
        #expect(status == 1)
        #expect(output.contains("a duration back from now"), "\(output)")
    }

    @Test func unknownOpNamesEveryOperation() throws {
        let gateway = try TestGateway(channels: ["loop": "type: loopback\n"])
        try gateway.startDaemon()
        let client = try ControlClient(path: gateway.socketPath)
        let message = client.request(#"{"op":"launch"}"#)?["error"]?["message"]?.stringValue ?? ""
        for op in [
            "send", "send_batch", "status", "stats", "channels", "health", "reload", "optout", "optin", "consent",
            "event", "report", "subscribe",
        ] {
            #expect(message.contains(op), "\(message)")
        }
    }

    @Test func bothBinariesPrintTheReleaseVersion() throws {
        let directory = NSTemporaryDirectory() + "cg-version-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let source = try String(
            contentsOfFile: TestGateway.packageRoot + "/Sources/GatewayRelease/GatewayRelease.swift", encoding: .utf8)
        let version = try #require(
            source.split(separator: "\n").first { $0.contains("static let version") }?.split(separator: "\"")
                .dropFirst()
                .first)
        for binary in [Self.gatewayd, Self.gatewayctl] {
            let (status, output) = try Self.run(binary, ["--version"], in: directory)
            #expect(status == 0, "\(binary): \(output)")
            #expect(output == version + "\n", "\(binary): \(output)")
        }
    }

    @Test func checkConfigTakesACredentialsDirectoryAndPrintsJSON() throws {
        let gateway = try TestGateway(
            channels: [
                "loop": "type: loopback\n",
                "sms": ReceiptEndToEndTests.aliyun.replacingOccurrences(
                    of: "env:ALIYUN_SK", with: "credential:aliyun-sk"),
            ])
        try "not loaded\n".write(toFile: gateway.directory + "/channels.d/push.yml", atomically: true, encoding: .utf8)
        let credentials = gateway.directory + "/credentials"
        try FileManager.default.createDirectory(atPath: credentials, withIntermediateDirectories: true)
        try "secret\n".write(toFile: credentials + "/aliyun-sk", atomically: true, encoding: .utf8)
        let config = gateway.directory + "/gateway.yaml"
        let environment = ["ALIYUN_AK": "ak"]

        let without = try ChildProcess(
            Self.gatewayd, ["check-config", "--config", config], outputPath: gateway.directory + "/check-1.out",
            environment: environment.merging(["CREDENTIALS_DIRECTORY": ""]) { $1 })
        #expect(without.stop(signal: 0) == 1)
        #expect(without.output.contains("needs $CREDENTIALS_DIRECTORY"), "\(without.output)")

        let with = try ChildProcess(
            Self.gatewayd, ["check-config", "--config", config, "--credentials-dir", credentials],
            outputPath: gateway.directory + "/check-2.out", environment: environment)
        #expect(with.stop(signal: 0) == 0, "\(with.output)")
        #expect(with.output.contains("configuration OK: 2 channel(s)"), "\(with.output)")
        #expect(with.output.contains("push.yml:1:1: warning: not loaded"), "\(with.output)")

        let json = try ChildProcess(
            Self.gatewayd, ["check-config", "--config", config, "--json"],
            outputPath: gateway.directory + "/check-3.out",
            environment: environment.merging(["CREDENTIALS_DIRECTORY": ""]) { $1 })
        #expect(json.stop(signal: 0) == 1)
        let document = try JSONParser.parse(json.output.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(document["ok"] == .bool(false))
        #expect(document["summary"]?["errors"]?.intValue == 1)
        #expect(document["summary"]?["warnings"]?.intValue == 1)
        guard case .array(let issues)? = document["issues"] else {
            Issue.record("no issues array: \(json.output)")
            return
        }
        let error = try #require(issues.first { $0["severity"]?.stringValue == "error" })
        #expect(error["file"]?.stringValue == gateway.directory + "/channels.d/sms.yaml")
        #expect(error["line"]?.intValue == 8)
        #expect(error["column"]?.intValue == 22)
        #expect(error["message"]?.stringValue?.contains("credential:aliyun-sk") == true)

        let (usage, output) = try Self.run(
            Self.gatewayd, ["check-config", "--config", config, "--credentials-dir", "/nonexistent"],
            in: gateway.directory)
        #expect(usage == 64, "\(output)")
    }

    @Test func anAliyunTemplateCodeIsTheTemplateOfSendsWithoutOne() throws {
        let withDefault = ReceiptEndToEndTests.aliyun + "\n  template_code: SMS_DEFAULT\n"
        let gateway = try TestGateway(channels: ["sms-default": withDefault, "sms-plain": ReceiptEndToEndTests.aliyun])
        try gateway.startDaemon(environment: ["ALIYUN_AK": "test-ak", "ALIYUN_SK": "test-sk"])
        let client = try ControlClient(path: gateway.socketPath)
        let answer = client.request(#"{"op":"send","channel":"sms-default","to":"13800138000","params":{"code":"1"}}"#)
        let id = try #require(answer?["message_id"]?.stringValue, "\(String(describing: answer))")
        let final = FailureModeTests.waitForFinalState(client, id)
        #expect(final?["state"]?.stringValue == "sent", "\(String(describing: final))")
        let refused = client.request(#"{"op":"send","channel":"sms-plain","to":"13800138000"}"#)
        #expect(refused?["error"]?["code"]?.stringValue == "bad_request")
        #expect(refused?["error"]?["field"]?.stringValue == "template")
    }

    /// The call queue's `tts_code` is the same kind of default (CallQueue README): intake accepts a call naming no
    /// template, and the vendor places it with `tts_code`. It was refused at intake before the profile declared it.
    @Test func aTTSCodeIsTheTemplateOfCallsWithoutOne() throws {
        let gateway = try TestGateway(channels: ["calls": CallSlotTests.calls])
        try gateway.startDaemon(environment: ["VMS_KEY_ID": "vms-key-id", "VMS_KEY_SECRET": "test-sk"])
        let client = try ControlClient(path: gateway.socketPath)
        let answer = client.request(#"{"op":"send","channel":"calls","to":"13900000009","params":{"code":"1"}}"#)
        let id = try #require(answer?["message_id"]?.stringValue, "\(String(describing: answer))")
        let final = FailureModeTests.waitForFinalState(client, id)
        #expect(final?["state"]?.stringValue == "sent", "\(String(describing: final))")
        #expect(CallSlotTests.waitForCalls(gateway, count: 1)["13900000009"] != nil)
    }
}
