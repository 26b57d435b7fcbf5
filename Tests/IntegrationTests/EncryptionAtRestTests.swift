import ChannelKit
import Foundation
import Testing

/// `store_encryption_key`: personal fields never reach the disk in the clear, and everything still works.
@Suite(.serialized)
struct EncryptionAtRestTests {
    static let key = String(repeating: "5a", count: 32)

    @Test func addressesContentAndParamsAreEncryptedOnDiskAndStillDelivered() throws {
        let gateway = try TestGateway(
            channels: ["sms": GatewayEndToEndTests.smsChannel()],
            gatewayExtra: "store_encryption_key: env:CG_TEST_STORE_KEY"
        )
        try gateway.startDaemon(environment: ["CG_TEST_STORE_KEY": Self.key])
        let client = try ControlClient(path: gateway.socketPath)
        let send = #"{"op":"send","channel":"sms","to":"13700137000","template":"T","params":{"code":"zebra-4711"}}"#
        let id = try #require(client.request(send)?["message_id"]?.stringValue)
        // Content dedup still matches: the store compares keyed hashes.
        #expect(client.request(send)?["state"]?.stringValue == "duplicate")
        let final = try #require(FailureModeTests.waitForFinalState(client, id))
        #expect(final["state"]?.stringValue == "sent")
        #expect(final["to"]?.stringValue == "13700137000", "status decrypts")
        let stats = try gateway.waitForVendor(unique: 1)
        #expect(stats.unique == 1)
        gateway.daemon?.stop()
        let record = try gateway.stopVendorAndReadRecord()
        #expect(record[id]?.first?.contains("zebra-4711") == true, "the vendor gets the real parameters")

        var disk = Data()
        for suffix in ["", "-wal"] {
            disk.append(
                (try? Data(contentsOf: URL(fileURLWithPath: gateway.directory + "/state/gateway.sqlite3" + suffix)))
                    ?? Data())
        }
        #expect(disk.count > 0)
        #expect(disk.range(of: Data("13700137000".utf8)) == nil, "recipient in the clear on disk")
        #expect(disk.range(of: Data("zebra-4711".utf8)) == nil, "params in the clear on disk")
        #expect(disk.range(of: Data("enc1:".utf8)) != nil)
    }

    @Test func aMalformedKeyIsAConfigurationError() throws {
        let gateway = try TestGateway(
            channels: ["loop": "type: loopback\n"], gatewayExtra: "store_encryption_key: env:CG_BAD")
        let check = try ChildProcess(
            TestGateway.binaries + "/gatewayd", ["check-config", "--config", gateway.directory + "/gateway.yaml"],
            outputPath: gateway.directory + "/check.out", environment: ["CG_BAD": "too-short"]
        )
        #expect(check.stop(signal: 0) != 0)
        #expect(
            check.output.contains("gateway.yaml:5:23: error: 'store_encryption_key' must be 32 bytes"),
            "\(check.output)")
        #expect(!check.output.contains("too-short"))
    }
}
