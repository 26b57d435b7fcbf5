public import ChannelKit
public import Testing

extension ChannelAdapter {
    /// The adapter as the capability a test expects (`try adapter.require((any Batching).self)`), cast once through
    /// `#require`: an adapter that lacks it fails the test, so a profile that loses a conformance cannot pass by
    /// reading as the core's fallback. A test that expects the fallback asserts the capability is absent instead
    /// (`#expect(!(adapter is any Batching))`).
    public func require<Capability>(_ capability: Capability.Type, sourceLocation: SourceLocation = #_sourceLocation)
        throws -> Capability
    {
        try #require(self as? Capability, "\(Self.self) is not \(capability)", sourceLocation: sourceLocation)
    }
}
