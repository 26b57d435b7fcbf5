import ChannelKit
import Foundation
import Testing

/// The real `gatewayctl` binary against the real daemon.
@Suite(.serialized)
struct GatewayctlTests {
    @Test func bulkSendFromAFileSummarisesAcceptedDuplicatesAndRejects() throws {
        let gateway = try TestGateway(channels: ["loop": "type: loopback\n"])
        try gateway.startDaemon()
        var lines: [String] = []
        for index in 0..<2000 {
            lines.append(#"{"channel":"loop","to":"u\#(index)","content":"hi","dedup_key":"bulk-\#(index)"}"#)
        }
        lines.append(#"{"channel":"loop","to":"u0","content":"hi","dedup_key":"bulk-0"}"#)  // a duplicate
        lines.append("this is not json")
        lines.append(#"{"channel":"nowhere","to":"x","content":"y"}"#)
        let file = gateway.directory + "/messages.jsonl"
        try lines.joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let run = try ChildProcess(
            TestGateway.binaries + "/gatewayctl", ["--socket", gateway.socketPath, "send", "--file", file],
            outputPath: gateway.directory + "/gatewayctl.out"
        )
        let status = run.stop(signal: 0, timeout: 60)
        let output = run.output
        #expect(status == 1, "\(output)")
        #expect(output.contains("lines read:  2003"), "\(output)")
        #expect(output.contains("accepted:    2000"), "\(output)")
        #expect(output.contains("duplicates:  1"), "\(output)")
        #expect(output.contains("unknown_channel       1"), "\(output)")
        #expect(output.contains("line 2002"), "\(output)")
        let client = try ControlClient(path: gateway.socketPath)
        #expect(client.request(#"{"op":"stats"}"#)?["stats"]?["accepted"]?.intValue == 2000)
    }

    @Test func singleSendAndStatusPrintForPeopleAndJSONForScripts() throws {
        let gateway = try TestGateway(channels: ["loop": "type: loopback\n"])
        try gateway.startDaemon()
        let send = try ChildProcess(
            TestGateway.binaries + "/gatewayctl",
            ["--socket", gateway.socketPath, "--json", "send", "--channel", "loop", "--to", "u1", "--content", "hi"],
            outputPath: gateway.directory + "/send.out"
        )
        #expect(send.stop(signal: 0) == 0)
        let answer = try JSONParser.parse(send.output.trimmingCharacters(in: .whitespacesAndNewlines))
        let id = try #require(answer["message_id"]?.stringValue)
        _ = FailureModeTests.waitForFinalState(try ControlClient(path: gateway.socketPath), id)
        let status = try ChildProcess(
            TestGateway.binaries + "/gatewayctl", ["--socket", gateway.socketPath, "status", id],
            outputPath: gateway.directory + "/status.out"
        )
        #expect(status.stop(signal: 0) == 0)
        #expect(status.output.contains(id))
        #expect(status.output.contains("sent"))
        let unreachable = try ChildProcess(
            TestGateway.binaries + "/gatewayctl", ["--socket", gateway.directory + "/nope.sock", "health"],
            outputPath: gateway.directory + "/nope.out"
        )
        #expect(unreachable.stop(signal: 0) == 2)
        #expect(unreachable.output.contains("nope.sock"))
    }
}
