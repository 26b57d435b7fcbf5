import ChannelKit
import ChannelTesting

/// This target's golden cases: `Fixtures/`, next to this file.
let fixtures = FixtureFolder(besides: #filePath, plugin: "CallQueue")

/// The context golden requests are built with.
let fixedContext = RequestContext.golden()
