import ChannelKit
import Foundation
import Synchronization
import Testing

/// kill -9 during a burst of receipt pushes: every receipt the listener answered 200 to is in the store after a
/// restart (the answer comes only after the commit).
@Suite(.serialized)
struct ReceiptCrashTests {
    @Test func receiptsAnsweredBeforeAKillAreKept() throws {
        let gateway = try TestGateway(channels: ["sms-aliyun": ReceiptEndToEndTests.aliyun])
        try gateway.startDaemon(environment: ["ALIYUN_AK": "test-ak", "ALIYUN_SK": "test-sk"])
        let client = try ControlClient(path: gateway.socketPath)
        var ids: [String] = []
        for index in 0..<200 {
            let answer = client.request(
                #"{"op":"send","channel":"sms-aliyun","to":"1380000\#(String(format: "%04d", index))","#
                    + #""template":"SMS_1","params":{"code":"\#(index)"}}"#)
            ids.append(try #require(answer?["message_id"]?.stringValue))
        }
        let port = try #require(gateway.callbackPort)
        let messageIDs = ids
        // Receipts by our id (OutId), pushed one per request from two threads while the daemon is killed.
        let answered = Mutex<[String]>([])
        let done = DispatchGroup()
        for half in 0..<2 {
            done.enter()
            Thread {
                defer { done.leave() }
                for index in stride(from: half, to: messageIDs.count, by: 2) {
                    let report = ReceiptEndToEndTests.report(
                        phone: "1380000\(String(format: "%04d", index))", bizID: "fv-biz-\(index)",
                        outID: messageIDs[index],
                        success: true,
                        code: "DELIVERED")
                    guard
                        let reply = try? TestGateway.httpPost(
                            port: port, path: "/callbacks/sms-aliyun", body: "[\(report)]")
                    else { return }
                    if reply.status == 200 { answered.withLock { $0.append(messageIDs[index]) } }
                }
            }.start()
        }
        for _ in 0..<200 where answered.withLock({ $0.count }) < 20 { Thread.sleep(forTimeInterval: 0.01) }
        gateway.daemon?.stop(signal: SIGKILL)
        _ = done.wait(timeout: .now() + 30)
        let acknowledged = answered.withLock { $0 }
        #expect(!acknowledged.isEmpty)
        try gateway.startDaemon(environment: ["ALIYUN_AK": "test-ak", "ALIYUN_SK": "test-sk"])
        let after = try ControlClient(path: gateway.socketPath)
        var missing: [String] = []
        for id in acknowledged {
            let status = after.request(#"{"op":"status","message_id":"\#(id)"}"#)?["message"]
            guard case .array(let receipts)? = status?["receipts"],
                receipts.contains(where: { $0["event"] == .string("delivered") })
            else {
                missing.append(id)
                continue
            }
        }
        #expect(missing.isEmpty, "\(missing.count) of \(acknowledged.count) answered receipts lost")
    }
}
