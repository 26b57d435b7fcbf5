import ChannelKit
import ChannelTesting
import ChannelWeChatOA

/// This target's golden cases: `Fixtures/`, next to this file.
let fixtures = FixtureFolder(besides: #filePath, plugin: "WeChatOA")

/// The access token of ``fixedContext`` (the fixtures' `ACCESS_TOKEN_fixture`).
let fixtureAccessToken = "ACCESS_TOKEN_fixture"

/// The context golden requests are built with.
let fixedContext = RequestContext.golden(accessToken: fixtureAccessToken)

extension TestSettings {
    /// A `wechat_oa` instance named `wechat-golden` (the name descriptions are checked against).
    static func wechat(vendor: String? = "template", json: JSONValue) -> (
        adapter: (any ChannelAdapter)?, issues: [ConfigIssue]
    ) {
        make(WeChatOAChannel.kind, vendor: vendor, json: json, instance: "wechat-golden")
    }
}
