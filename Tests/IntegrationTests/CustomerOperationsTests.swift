import ChannelKit
import Foundation
import Testing

/// The customer directory through a real `gatewayd` and the real `gatewayctl`: `customer`, `customer_batch`,
/// `customer_show`, `customers import`, sealed at rest.
@Suite(.serialized)
struct CustomerOperationsTests {
    static let key = String(repeating: "3c", count: 32)

    @Test func customersAreStoredSealedShownMaskedAndKeptAcrossARestart() throws {
        let gateway = try TestGateway(
            channels: ["loop": "type: loopback\n"], gatewayExtra: "store_encryption_key: env:CG_TEST_STORE_KEY")
        let environment = ["CG_TEST_STORE_KEY": Self.key]
        try gateway.startDaemon(environment: environment)
        var client = try ControlClient(path: gateway.socketPath)

        let create = client.request(
            #"{"op":"customer","id":1,"customer":"CUST-77","addresses":{"sms":"13712345678","wechat_oa":"oAbcdefghijk12"},"#
                + #""attributes":{"name":"Li Lei","limit":50000},"zone":"Asia/Shanghai","tags_add":["vip","loan:new"]}"#
        )
        #expect(create?["state"]?.stringValue == "created", "\(String(describing: create))")
        #expect(create?["customer"]?.stringValue == "CUST-77")
        let update = client.request(
            #"{"op":"customer","customer":"CUST-77","addresses":{"wechat_oa":null},"attributes":{"limit":null},"#
                + #""tags_remove":["loan:new"]}"#)
        #expect(update?["state"]?.stringValue == "updated")

        let badZone = client.request(#"{"op":"customer","customer":"X","zone":"Mars/Olympus"}"#)
        #expect(badZone?["error"]?["field"]?.stringValue == "zone", "\(String(describing: badZone))")
        let prefers = client.request(#"{"op":"customer","customer":"X","tags_add":["prefers:sms"]}"#)
        #expect(prefers?["error"]?["field"]?.stringValue == "tags_add[0]")

        let batch = client.request(
            #"{"op":"customer_batch","customers":[{"customer":"B-1","addresses":{"sms":"13900000001"}},"#
                + #"{"customer":"B-2","zone":"Nowhere/Land"},{"customer":"CUST-77","attributes":{"tier":"gold"}}]}"#)
        let results = try #require(
            batch?["results"].flatMap { value -> [JSONValue]? in
                if case .array(let items) = value { return items }
                return nil
            })
        #expect(results.map { $0["state"]?.stringValue } == ["created", nil, "updated"])
        #expect(results[1]["error"]?["field"]?.stringValue == "customers[1].zone")

        _ = client.request(#"{"op":"optout","customer":"CUST-77","channel":"sms"}"#)
        let show = try #require(client.request(#"{"op":"customer_show","customer":"CUST-77"}"#))
        #expect(show["ok"] == .bool(true), "\(show)")
        #expect(show["addresses"] == .object(["sms": .string("137****5678")]), "masked, and the removed one gone")
        #expect(show["attributes"] == .object(["name": .string("Li Lei"), "tier": .string("gold")]))
        #expect(show["zone"]?.stringValue == "Asia/Shanghai")
        #expect(show["tags"] == .array([.string("vip")]))
        #expect(show["opt_outs"] == .array([.string("sms")]))
        #expect(show["runs"] == .array([]) && show["touches"] == .array([]))
        let unknown = client.request(#"{"op":"customer_show","customer":"nobody"}"#)
        #expect(unknown?["error"]?["code"]?.stringValue == "not_found")
        #expect(unknown?["error"]?["field"]?.stringValue == "customer")

        // Nothing personal in the clear on disk, the write-ahead log included.
        var disk = Data()
        for suffix in ["", "-wal"] {
            let path = gateway.directory + "/state/gateway.sqlite3" + suffix
            disk.append((try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data())
        }
        #expect(disk.count > 0)
        for secret in ["13712345678", "13900000001", "oAbcdefghijk12", "Li Lei", "CUST-77", "B-1"] {
            #expect(disk.range(of: Data(secret.utf8)) == nil, "\(secret) in the clear on disk")
        }

        gateway.daemon?.stop()
        try gateway.startDaemon(environment: environment)
        client = try ControlClient(path: gateway.socketPath)
        let again = client.request(#"{"op":"customer_show","customer":"CUST-77"}"#)
        #expect(again?["attributes"]?["tier"]?.stringValue == "gold", "kept across a restart")
        #expect(client.request(#"{"op":"customer_show","customer":"B-1"}"#)?["ok"] == .bool(true))
    }

    @Test func importStoresEveryGoodLineAndReportsTheBadOnesByLine() throws {
        let gateway = try TestGateway(channels: ["loop": "type: loopback\n"])
        try gateway.startDaemon()
        var lines: [String] = []
        for index in 0..<2500 {
            lines.append(#"{"customer":"I-\#(index)","addresses":{"sms":"1380000\#(String(format: "%04d", index))"}}"#)
        }
        lines.append("")  // blank: skipped silently
        lines.append("not json at all")  // line 2502
        lines.append(#"{"customer":"I-bad","zone":"Atlantis/Deep"}"#)  // line 2503
        lines.append(#"{"customer":"I-7","attributes":{"name":"Seven"},"tags_add":["vip"]}"#)  // updated
        let file = gateway.directory + "/customers.jsonl"
        try lines.joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let run = try ChildProcess(
            TestGateway.binaries + "/gatewayctl",
            ["--socket", gateway.socketPath, "customers", "import", file, "--batch", "700"],
            outputPath: gateway.directory + "/import.out")
        #expect(run.stop(signal: 0, timeout: 120) == 1, "a refused line fails the run")
        let output = run.output
        #expect(output.contains("lines read:  2504"), "\(output)")
        #expect(output.contains("created:     2500"), "\(output)")
        #expect(output.contains("updated:     1"), "\(output)")
        #expect(output.contains("rejected:    2"), "\(output)")
        #expect(output.contains("line 2502: not a JSON object"), "\(output)")
        #expect(output.contains("line 2503: bad_request:") && output.contains("(field zone)"), "\(output)")

        let show = try ChildProcess(
            TestGateway.binaries + "/gatewayctl", ["--socket", gateway.socketPath, "customer", "show", "I-7"],
            outputPath: gateway.directory + "/show.out")
        #expect(show.stop(signal: 0) == 0)
        #expect(show.output.contains("138****0007") && !show.output.contains("13800000007"), "\(show.output)")
        #expect(show.output.contains("attribute name") && show.output.contains("Seven"), "\(show.output)")
        let json = try ChildProcess(
            TestGateway.binaries + "/gatewayctl",
            ["--socket", gateway.socketPath, "--json", "customer", "show", "I-2499"],
            outputPath: gateway.directory + "/show.json")
        #expect(json.stop(signal: 0) == 0)
        let answer = try JSONParser.parse(json.output.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(answer["customer"]?.stringValue == "I-2499")
        let missing = try ChildProcess(
            TestGateway.binaries + "/gatewayctl", ["--socket", gateway.socketPath, "customer", "show", "I-bad"],
            outputPath: gateway.directory + "/missing.out")
        #expect(missing.stop(signal: 0) == 1)
        #expect(missing.output.contains("not_found"), "\(missing.output)")
    }

    @Test func tagChangesAreFeedLinesAndForgetErasesWithAPseudonym() throws {
        let gateway = try TestGateway(channels: ["loop": "type: loopback\n"])
        try gateway.startDaemon()
        let subscriber = try ControlClient(path: gateway.socketPath)
        #expect(subscriber.request(#"{"op":"subscribe","kinds":["tag","forget"]}"#)?["subscribed"] == .bool(true))
        let client = try ControlClient(path: gateway.socketPath)
        _ = client.request(
            #"{"op":"customer","customer":"G-1","addresses":{"sms":"13511112222"},"tags_add":["vip","vip"]}"#)
        _ = client.request(#"{"op":"customer","customer":"G-1","tags_add":["vip"],"tags_remove":["vip"]}"#)
        let added = try JSONParser.parse(try #require(subscriber.readLine()))
        #expect(added["event"]?.stringValue == "tag" && added["change"]?.stringValue == "added", "\(added)")
        #expect(added["customer"]?.stringValue == "G-1" && added["source"]?.stringValue == "customer")
        let removed = try JSONParser.parse(try #require(subscriber.readLine()))
        #expect(removed["change"]?.stringValue == "removed", "a tag already there is not added twice")
        _ = client.request(#"{"op":"optout","customer":"G-1","channel":"sms"}"#)
        _ = client.request(#"{"op":"optout","to":"13511112222"}"#)
        // A message to the number without a customer id: only the sweep can find it.
        let plain = client.request(
            #"{"op":"send","channel":"loop","to":"+86 135 1111 2222","content":"code 1234","category":"transactional"}"#
        )
        let plainID = try #require(plain?["message_id"]?.stringValue, "\(String(describing: plain))")

        let forget = try ChildProcess(
            TestGateway.binaries + "/gatewayctl",
            ["--socket", gateway.socketPath, "customer", "forget", "G-1", "--reference", "PIPL-7", "--wait"],
            outputPath: gateway.directory + "/forget.out")
        #expect(forget.stop(signal: 0) == 0, "\(forget.output)")
        #expect(forget.output.contains("forgotten as f:"), "\(forget.output)")
        #expect(forget.output.contains("1 addresses") && forget.output.contains("sweep: done"), "\(forget.output)")
        #expect(!forget.output.contains("G-1"))
        var line = JSONValue.null
        for _ in 0..<4 where line["event"]?.stringValue != "forget" {  // tag lines of the customer ops come first
            line = try JSONParser.parse(try #require(subscriber.readLine()))
        }
        #expect(line["event"]?.stringValue == "forget" && line["reference"]?.stringValue == "PIPL-7", "\(line)")
        #expect(line["customer_hash"]?.stringValue?.hasPrefix("f:") == true && line["customer"] == nil)
        let status = try #require(client.request(#"{"op":"status","message_id":"\#(plainID)"}"#))
        #expect(status["message"]?["to"]?.stringValue == "", "the swept message keeps no recipient: \(status)")
        // The same number, back without a customer id: still opted out.
        let again = client.request(
            #"{"op":"send","channel":"loop","to":"13511112222","content":"offer","category":"marketing"}"#)
        #expect(again?["state"]?.stringValue == "suppressed" && again?["reason"]?.stringValue == "opted_out")
        #expect(client.request(#"{"op":"customer_show","customer":"G-1"}"#)?["error"]?["code"] == .string("not_found"))
        let missing = client.request(#"{"op":"forget","customer":"G-1"}"#)
        #expect(missing?["error"]?["field"]?.stringValue == "reference")
        // The consent log keeps the decision and the erase, under the pseudonym and without the id.
        let export = try #require(client.request(#"{"op":"consent_export"}"#))
        guard case .array(let entries)? = export["entries"] else {
            Issue.record("no entries: \(export)")
            return
        }
        #expect(entries.map { $0["action"]?.stringValue } == ["optout", "optout", "erase"], "\(entries)")
        #expect(entries.allSatisfy { $0["subject"]?.stringValue != "G-1" }, "\(entries)")
        #expect(entries.last?["evidence"]?.stringValue == "PIPL-7")
    }
}
