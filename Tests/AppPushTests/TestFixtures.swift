import ChannelAppPush
import ChannelKit
import ChannelTesting

/// This target's golden cases: `Fixtures/<vendor>/`, next to this file.
let fixtures = FixtureFolder(besides: #filePath, plugin: "AppPush")

/// The access token of ``goldenContext``.
let goldenAccessToken = "test-access-token"

/// The context golden requests are built with: a fixed time, and the access token the core would supply.
let goldenContext = RequestContext.golden(accessToken: goldenAccessToken)

extension TestSettings {
    /// An `app_push` instance of `vendor`; `credential:NAME` resolves to the vendor's test key file `NAME` if it
    /// has one.
    static func push(_ vendor: String, settings: JSONValue?) -> (adapter: (any ChannelAdapter)?, issues: [ConfigIssue])
    {
        let node = settings.map { TestSettings.node($0, credentials: fixtures.credentials(vendor)) }
        return make(AppPushChannel.kind, vendor: vendor, settings: node, instance: "push-golden")
    }
}

/// The golden cases of `apns` and `fcm` (their generators' `generate.py`): requests pin `http2`, credentials are
/// the vendor's test keys, and an outcome's `detail` is compared only where the oracle pins one.
let pushGoldenCases = {
    var cases = GoldenCases(fixtures, kind: AppPushChannel.kind, instance: "push-golden", context: goldenContext)
    cases.requestIncludesHTTP2 = true
    cases.ignoresUnpinnedDetail = true
    cases.readsKeyFiles = true
    return cases
}()

/// The golden cases of `jpush` and `huawei`, whose sends are batches (`messages.json`) with a partial outcome
/// written `{outcome: partial, recipients: [{recipient, …}]}`.
let batchGoldenCases = {
    var cases = GoldenCases(fixtures, kind: AppPushChannel.kind, instance: "push-golden", context: goldenContext)
    cases.partialShape = .recipientsObject
    return cases
}()
