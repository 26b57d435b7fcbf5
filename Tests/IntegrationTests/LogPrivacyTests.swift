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
        #expect(UnmaskedPhoneScan.firstNumber(in: logs) == nil, "\(logs)")
    }

    /// The privacy check itself: digit runs inside message ids are not numbers (issue 17); real ones are found.
    @Test func theScanFindsRealNumbersAndNotDigitRunsInsideMessageIDs() {
        let idLines = [
            #"debug gatewayd: message sent [message_id=m0J7Z16331713200QX4B9KD0T8W2 to=138****8000]"#,
            "info: m19799248577ABCDEFGHJKMNPQR and m013800138000138001380001380 finished",
            "attempt 13800138000X failed",
        ]
        for line in idLines { #expect(UnmaskedPhoneScan.firstNumber(in: line) == nil, "\(line)") }
        let leaks: [(String, String)] = [
            ("info: to=13800138000 queued", "13800138000"),
            ("13800138000", "13800138000"),
            (#"{"to":"+8613800138000"}"#, "+8613800138000"),
            ("手机号19912345678无效", "19912345678"),
            ("call 008613912345678, then", "008613912345678"),
        ]
        for (line, number) in leaks { #expect(UnmaskedPhoneScan.firstNumber(in: line) == number, "\(line)") }
    }
}
