import ChannelKit
import Foundation
import Testing

/// Hostile and careless clients: each bad line gets the right error and the daemon keeps serving.
@Suite(.serialized)
struct BadInputTests {
    @Test func everyBadLineGetsItsErrorCodeAndTheConnectionStaysUsable() throws {
        let gateway = try TestGateway(channels: ["sms": GatewayEndToEndTests.smsChannel()])
        try gateway.startDaemon()
        let client = try ControlClient(path: gateway.socketPath)
        let cases: [(String, String, String?)] = [
            ("garbage", "bad_json", nil),
            (#"{"op":"send","channel":"sms""#, "bad_json", nil),
            ("[1,2,3]", "bad_json", nil),
            (#"{"op":"launch"}"#, "unknown_op", "op"),
            (#"{"op":"send","channel":"nope","to":"13800138000","template":"T"}"#, "unknown_channel", "channel"),
            (#"{"op":"send","channel":"sms","template":"T"}"#, "bad_request", "to"),
            (#"{"op":"send","to":"13800138000","template":"T"}"#, "bad_request", "channel"),
            (#"{"op":"send","channel":"sms","to":13800138000,"template":"T"}"#, "bad_request", "to"),
            (#"{"op":"send","channel":"sms","to":"13800138000","template":"T","params":[1]}"#, "bad_request", "params"),
            (
                #"{"op":"send","channel":"sms","to":"13800138000","template":"T","params":{"code":{}}}"#, "bad_request",
                "params.code"
            ),
            (
                #"{"op":"send","channel":"sms","to":"not-a-number","template":"T","params":{"code":"1"}}"#,
                "invalid_recipient", "to"
            ),
            (#"{"op":"send","channel":"sms","to":"13800138000","template":"T"}"#, "bad_request", "params.code"),
            (
                #"{"op":"send","channel":"sms","to":"13800138000","template":"T","params":{"code":"1"},"colour":1}"#,
                "bad_request", "colour"
            ),
            (
                #"{"op":"send","channel":"sms","to":"13800138000","template":"T","params":{"code":"1"},"not_after":"x"}"#,
                "bad_request", "not_after"
            ),
            (#"{"op":"status","message_id":"m-does-not-exist"}"#, "not_found", "message_id"),
            (#"{"op":42}"#, "bad_request", "op"),
        ]
        for (line, code, field) in cases {
            let answer = try #require(client.request(line), "no answer to \(line)")
            #expect(answer["ok"] == .bool(false), "\(line)")
            #expect(answer["error"]?["code"]?.stringValue == code, "\(line) → \(answer.serialized)")
            if let field { #expect(answer["error"]?["field"]?.stringValue == field, "\(line) → \(answer.serialized)") }
        }
        // A 10 MB line: one too_large answer, then the next request on the same connection works.
        var huge = Array(#"{"op":"send","content":""#.utf8)
        huge.append(contentsOf: [UInt8](repeating: UInt8(ascii: "x"), count: 10 * 1024 * 1024))
        huge.append(contentsOf: Array("\"}\n".utf8))
        client.write(huge)
        let tooLarge = try #require(client.readLine().flatMap { try? JSONParser.parse($0) })
        #expect(tooLarge["error"]?["code"]?.stringValue == "too_large")
        let good = try #require(
            client.request(
                #"{"op":"send","id":"after","channel":"sms","to":"13800138000","template":"T","params":{"code":"1"}}"#
            )
        )
        #expect(good["ok"] == .bool(true))
        #expect(good["id"]?.stringValue == "after")
        #expect(good["state"]?.stringValue == "queued")
        // Pipelined requests are answered in order with their ids echoed.
        client.write(
            Array(
                #"{"op":"health","id":1}"#.utf8 + [10] + #"garbage"#.utf8 + [10] + #"{"op":"stats","id":3}"#.utf8 + [10]
            ))
        let first = try #require(client.readLine().flatMap { try? JSONParser.parse($0) })
        let second = try #require(client.readLine().flatMap { try? JSONParser.parse($0) })
        let third = try #require(client.readLine().flatMap { try? JSONParser.parse($0) })
        #expect(first["id"]?.intValue == 1)
        #expect(second["error"]?["code"]?.stringValue == "bad_json")
        #expect(third["id"]?.intValue == 3)
        #expect(third["stats"]?["accepted"]?.intValue == 1)
        // The daemon is still alive and healthy, also for a new connection.
        let other = try ControlClient(path: gateway.socketPath)
        #expect(other.request(#"{"op":"health"}"#)?["status"]?.stringValue == "serving")
    }

    @Test func socketFileIsCreatedWithMode0660() throws {
        let gateway = try TestGateway(channels: ["sms": GatewayEndToEndTests.smsChannel()])
        try gateway.startDaemon()
        let attributes = try FileManager.default.attributesOfItem(atPath: gateway.socketPath)
        let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue ?? 0
        #expect(mode & 0o777 == 0o660)
    }

    @Test func checkConfigListsEveryErrorWithLineAndColumn() throws {
        let gateway = try TestGateway(channels: [
            "one": "type: sms\nvendor: http\nconcurrency: lots\nsettings:\n  url: VENDOR/x\n",
            "two": "type: teleport\n",
        ])
        let process = try ChildProcess(
            TestGateway.binaries + "/gatewayd", ["check-config", "--config", gateway.directory + "/gateway.yaml"],
            outputPath: gateway.directory + "/check.out"
        )
        let status = process.stop(signal: 0, timeout: 30)
        let output = process.output
        #expect(status != 0)
        #expect(output.contains("one.yaml:3:14:"), "\(output)")
        #expect(output.contains("two.yaml:1:7:"), "\(output)")
    }
}
