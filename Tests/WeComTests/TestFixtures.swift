import ChannelKit
import ChannelTesting

/// This target's golden cases: `Fixtures/`, next to this file.
let fixtures = FixtureFolder(besides: #filePath, plugin: "WeCom")

/// The access token of the fixed context.
let fixtureToken = "wecom-test-token"

/// The context golden requests are built with.
let fixedContext = RequestContext.golden(accessToken: fixtureToken)
