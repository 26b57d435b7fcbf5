import ChannelKit
import Foundation
import Testing

/// Logs are read by many people: no phone number appears in them unmasked, even at debug level.
@Suite(.serialized)
struct LogPrivacyTests {
    @Test func debugLogsOfSendsAndFailuresMaskEveryPhoneNumber() throws {
        let gateway = try TestGateway(
            channels: [
                "sms": GatewayEndToEndTests.smsChannel(),
                "broken": GatewayEndToEndTests.smsChannel(path: "/error/send"),
            ],
            logLevel: "debug"
        )
        try gateway.startDaemon()
        let client = try ControlClient(path: gateway.socketPath)
        var ids: [String] = []
        for (index, channel) in ["sms", "broken", "sms"].enumerated() {
            let answer = client.request(
                #"{"op":"send","channel":"\#(channel)","to":"1390013900\#(index)","template":"T","params":{"code":"1"}}"#
            )
            ids.append(try #require(answer?["message_id"]?.stringValue))
        }
        for id in ids { _ = FailureModeTests.waitForFinalState(client, id) }
        gateway.daemon?.stop()
        let logs = gateway.daemonLogs
        #expect(logs.contains("139****9000"), "state changes are logged, masked")
        #expect(logs.contains("message failed"))
        let unmasked = try Regex(#"1[3-9][0-9]{9}"#)
        #expect(logs.firstMatch(of: unmasked) == nil, "\(logs)")
    }
}
