public import ChannelKit
public import Testing

/// Runs golden cases: folders of JSON written by an independent oracle (Python, from the vendor's documents,
/// named in each case's `SOURCE`), held against the adapter byte for byte.
///
/// A send case holds `settings.json`, `message.json` (one message) or `messages.json` (a list; more than one is
/// a batch), `request.expected.json`, and optionally `response.json` with `outcome.expected.json`. A token case
/// holds `settings.json`, the token request and reply, and `token.expected.json`. A callback case holds
/// `settings.json`, `callback.json` and `report.expected.json`.
public struct GoldenCases: Sendable {
    /// The target's fixtures.
    public let fixtures: FixtureFolder
    /// The kind every case builds an instance of.
    public let kind: ChannelKind
    /// The instance name the cases are built under.
    public var instance: String
    /// The context requests are built with (its access token is dropped for token cases).
    public var context: RequestContext
    /// Whether `request.expected.json` pins `http2`.
    public var requestIncludesHTTP2 = false
    /// How `outcome.expected.json` writes a batch's `.partial` outcome.
    public var partialShape = SendOutcome.PartialFixtureShape.outcomes
    /// Whether an outcome's `detail` is compared only where the fixture pins one.
    public var ignoresUnpinnedDetail = false
    /// Whether `credential:NAME` resolves to the key file `Fixtures/<group>/NAME` where there is one.
    public var readsKeyFiles = false

    public init(_ fixtures: FixtureFolder, kind: ChannelKind, instance: String = "test", context: RequestContext) {
        self.fixtures = fixtures
        self.kind = kind
        self.instance = instance
        self.context = context
    }

    /// The instance a case's `settings.json` describes, built without issues.
    public func adapter(
        _ group: String, _ name: String, vendor: String?, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> any ChannelAdapter {
        let credentials = readsKeyFiles ? fixtures.credentials(group) : TestSettings.testSecrets
        return try TestSettings.adapter(
            kind, vendor: vendor, json: try fixtures.json(group, name, "settings.json"), instance: instance,
            credentials: credentials, sourceLocation: sourceLocation)
    }

    /// Request out, and (when the case has a reply) outcome out.
    public func send(
        _ group: String, _ name: String, vendor: String?, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let adapter = try adapter(group, name, vendor: vendor, sourceLocation: sourceLocation)
        let messages =
            fixtures.exists(group, name, "messages.json")
            ? OutboundMessage.fixtures(try fixtures.json(group, name, "messages.json"))
            : [OutboundMessage(fixture: try fixtures.json(group, name, "message.json"))]
        let first = try #require(messages.first, "\(name): no messages", sourceLocation: sourceLocation)
        for message in messages {
            #expect(adapter.check(message) == nil, "\(message.id) \(message.recipient)", sourceLocation: sourceLocation)
        }
        var batching: (any Batching)?
        if messages.count > 1 {
            let batches = try adapter.require((any Batching).self, sourceLocation: sourceLocation)
            let keys = Set(messages.map(batches.batchKey(for:)))
            #expect(keys.count == 1 && !keys.contains(nil), "one batch key: \(keys)", sourceLocation: sourceLocation)
            #expect(messages.count <= batches.maxBatchSize, sourceLocation: sourceLocation)
            batching = batches
        }
        let context = try fixtures.context(context, group, name)
        let request =
            if let batching {
                try batching.request(for: messages, context: context)
            } else {
                try adapter.request(for: first, context: context)
            }
        let requestJSON = request.fixtureJSON(includingHTTP2: requestIncludesHTTP2)
        let expectedRequest = try fixtures.json(group, name, "request.expected.json")
        #expect(requestJSON == expectedRequest, "got \(requestJSON.serialized)", sourceLocation: sourceLocation)

        guard fixtures.exists(group, name, "response.json") else { return }
        let response = VendorResponse(fixture: try fixtures.json(group, name, "response.json"))
        let outcome =
            batching?.outcome(of: response, to: request, messages: messages)
            ?? adapter.outcome(of: response, to: request, message: first)
        let expectedOutcome = try fixtures.json(group, name, "outcome.expected.json")
        var outcomeJSON = outcome.fixtureJSON(partial: partialShape)
        if ignoresUnpinnedDetail { outcomeJSON = outcomeJSON.droppingDetail(unlessPinnedBy: expectedOutcome) }
        #expect(outcomeJSON == expectedOutcome, "got \(outcomeJSON.serialized)", sourceLocation: sourceLocation)
        if case .partial(let outcomes) = outcome {
            #expect(outcomes.map(\.recipient) == messages.map(\.recipient), sourceLocation: sourceLocation)
        }
    }

    /// The token request (built without an access token) and the reading of its reply.
    public func token(
        _ group: String, _ name: String, vendor: String?, requestFile: String = "request.expected.json",
        responseFile: String = "response.json", sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let adapter = try adapter(group, name, vendor: vendor, sourceLocation: sourceLocation)
            .require((any AccessTokenProviding).self, sourceLocation: sourceLocation)
        var context = context
        context.accessToken = nil
        let step = try adapter.tokenStep(context: context)
        let request = try #require(
            step.fetchRequest, "expected a token fetch, got \(String(describing: step))", sourceLocation: sourceLocation
        )
        let requestJSON = request.fixtureJSON(includingHTTP2: requestIncludesHTTP2)
        let expectedRequest = try fixtures.json(group, name, requestFile)
        #expect(requestJSON == expectedRequest, "got \(requestJSON.serialized)", sourceLocation: sourceLocation)

        let response = VendorResponse(fixture: try fixtures.json(group, name, responseFile))
        let expected = try fixtures.json(group, name, "token.expected.json")
        var result = adapter.token(from: response, context: context).fixtureJSON
        if ignoresUnpinnedDetail { result = result.droppingDetail(unlessPinnedBy: expected) }
        #expect(result == expected, "got \(result.serialized)", sourceLocation: sourceLocation)
    }

    /// A callback in, the report out (and the same report again: reading is pure); or, for a body the adapter must
    /// refuse, `problem.expected.json` (`{code, message}`) out. Returns the report, `nil` for a refusal.
    @discardableResult
    public func callback(
        _ group: String, _ name: String, vendor: String?, shape: CallbackReport.FixtureShape,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> CallbackReport? {
        let adapter = try adapter(group, name, vendor: vendor, sourceLocation: sourceLocation)
            .require((any CallbackParsing).self, sourceLocation: sourceLocation)
        let callback = InboundCallback(fixture: try fixtures.json(group, name, "callback.json"))
        if fixtures.exists(group, name, "problem.expected.json") {
            let expected = try fixtures.json(group, name, "problem.expected.json")
            let problem = #expect(throws: MessageProblem.self, sourceLocation: sourceLocation) {
                try adapter.parseCallback(callback)
            }
            #expect(problem?.codeName == expected["code"]?.stringValue, sourceLocation: sourceLocation)
            #expect(
                problem?.message == expected["message"]?.stringValue, "got \(String(describing: problem))",
                sourceLocation: sourceLocation)
            return nil
        }
        let report = try #require(try adapter.parseCallback(callback), sourceLocation: sourceLocation)
        let expected = try fixtures.json(group, name, "report.expected.json")
        let json = report.fixtureJSON(shape)
        #expect(json == expected, "got \(json.serialized)", sourceLocation: sourceLocation)
        #expect(try adapter.parseCallback(callback) == report, sourceLocation: sourceLocation)
        return report
    }
}
