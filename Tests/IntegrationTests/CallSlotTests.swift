import ChannelKit
import Foundation
import Testing

/// `max_concurrent_calls`: a placed call holds its slot until Alibaba's VoiceReport for it reaches the callback
/// listener; a refused call opts the number out of marketing calls. Real `gatewayd` and `fakevendor`.
@Suite(.serialized)
struct CallSlotTests {
    static let calls = """
        type: call_queue
        vendor: aliyun_vms
        rate_limit: { per_second: 100, burst: 100 }
        retry: { attempts: 2, initial_backoff: 100ms, max_backoff: 1s }
        max_concurrent_calls: 2
        call_slot_timeout: 2m
        settings:
          endpoint: VENDOR/
          access_key_id: env:VMS_KEY_ID
          access_key_secret: env:VMS_KEY_SECRET
          called_show_number: "057188880000"
          tts_code: TTS_10001
        """

    /// Call ids the vendor handed out so far, by called number (from its record file, flushed every 200 ms).
    static func placedCalls(_ gateway: TestGateway) -> [String: String] {
        let text = (try? String(contentsOfFile: gateway.recordPath, encoding: .utf8)) ?? ""
        var calls: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "\t", maxSplits: 1)
            guard parts.count == 2, let record = try? JSONParser.parse(String(parts[1])),
                let id = record["call_id"]?.stringValue
            else { continue }
            calls[String(parts[0])] = id
        }
        return calls
    }

    static func waitForCalls(_ gateway: TestGateway, count: Int) -> [String: String] {
        var calls = placedCalls(gateway)
        for _ in 0..<100 where calls.count < count {
            Thread.sleep(forTimeInterval: 0.1)
            calls = placedCalls(gateway)
        }
        return calls
    }

    static func report(_ gateway: TestGateway, callID: String, callee: String, smartStatus: String) throws -> Int {
        let port = try #require(gateway.callbackPort)
        let body = """
            [{"call_id":"\(callID)","callee":"\(callee)","caller":"057188880000","status_code":"200000",\
            "smart_status_code":"\(smartStatus)","start_time":"2026-11-24 10:00:00","end_time":"2026-11-24 10:00:30"}]
            """
        return try TestGateway.httpPost(port: port, path: "/callbacks/calls", body: body).status
    }

    @Test func callsWaitForASlotAndARefusalOptsTheNumberOut() throws {
        let gateway = try TestGateway(channels: ["calls": Self.calls])
        try gateway.startDaemon(environment: ["VMS_KEY_ID": "vms-key-id", "VMS_KEY_SECRET": "test-sk"])
        let client = try ControlClient(path: gateway.socketPath)
        let numbers = (0..<5).map { "1390000000\($0)" }
        for (index, number) in numbers.enumerated() {
            let answer = client.request(
                #"{"op":"send","channel":"calls","to":"\#(number)","template":"TTS_10001","#
                    + #""params":{"code":"\#(index)"},"category":"marketing"}"#)
            #expect(answer?["state"] == .string("queued"))
        }
        var calls = Self.waitForCalls(gateway, count: 2)
        Thread.sleep(forTimeInterval: 0.5)
        calls = Self.placedCalls(gateway)
        #expect(calls.count == 2, "\(calls)")  // two slots: the other three wait

        // The first call is answered: its slot frees and a third call goes out.
        let first = try #require(calls.keys.sorted().first)
        #expect(try Self.report(gateway, callID: calls[first]!, callee: first, smartStatus: "ANSWERED") == 200)
        calls = Self.waitForCalls(gateway, count: 3)
        #expect(calls.count == 3)

        // A refused call frees its slot too, and its number is opted out of marketing calls.
        let second = try #require(calls.keys.sorted().dropFirst().first)
        #expect(try Self.report(gateway, callID: calls[second]!, callee: second, smartStatus: "CALL_REJECTED") == 200)
        calls = Self.waitForCalls(gateway, count: 4)
        #expect(calls.count == 4)
        let consent = client.request(#"{"op":"consent","to":"\#(second)"}"#)
        #expect(consent?["opted_out"] == .array([.string("call_queue")]))
        let again = client.request(
            #"{"op":"send","channel":"calls","to":"\#(second)","template":"TTS_10001","params":{"code":"9"},"#
                + #""category":"marketing"}"#)
        #expect(again?["reason"] == .string("opted_out"))
        Thread.sleep(forTimeInterval: 0.5)
        #expect(Self.placedCalls(gateway).count == 4)
    }
}
