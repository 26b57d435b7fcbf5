public import ChannelKit
public import Testing

extension TestSettings {
    /// Builds from JSON settings text, expecting no issues and requiring an adapter.
    public static func adapter(
        _ kind: ChannelKind, vendor: String? = nil, json: String, instance: String = "test",
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> any ChannelAdapter {
        try adapter(
            kind, vendor: vendor, json: try JSONParser.parse(json), instance: instance, sourceLocation: sourceLocation)
    }

    /// Builds from JSON settings, expecting no issues and requiring an adapter.
    public static func adapter(
        _ kind: ChannelKind, vendor: String? = nil, json: JSONValue, instance: String = "test",
        credentials: Credentials = testSecrets, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> any ChannelAdapter {
        let built = make(kind, vendor: vendor, json: json, instance: instance, credentials: credentials)
        #expect(built.issues.isEmpty, "\(built.issues)", sourceLocation: sourceLocation)
        return try #require(built.adapter, sourceLocation: sourceLocation)
    }
}
