import ChannelKit
import ChannelSMS
import ChannelTesting

/// This target's golden cases: `Fixtures/`, next to this file.
let fixtures = FixtureFolder(besides: #filePath)

/// The context golden requests are built with (no vendor here uses an access token).
let fixedContext = RequestContext.golden()

/// The golden cases of the SMS profiles (`sms-http`, `sms-aliyun`, `sms-tencent` and their callbacks), written by
/// the `Fixtures/generate-*.py` oracles: one send (`message.json`) or a batch (`messages.json`, whose expected
/// outcome is a list of `{recipient, outcome, …}` in message order).
let smsGoldenCases = {
    var cases = GoldenCases(fixtures, kind: SMSChannel.kind, context: fixedContext)
    cases.partialShape = .recipientOutcomes
    return cases
}()
