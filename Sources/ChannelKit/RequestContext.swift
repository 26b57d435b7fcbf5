/// Everything impure an adapter may need to build a request, supplied by the core.
///
/// Adapters read no clocks and draw no random numbers; they take them from here, so every request they build
/// is reproducible byte for byte from its inputs.
public struct RequestContext: Sendable, Hashable {
    /// Wall-clock time of the attempt, in milliseconds since the Unix epoch.
    public var nowMilliseconds: Int64
    /// A random value unique to this attempt (for nonces and sampling).
    public var nonce: UInt64
    /// The attempt number, starting at 1.
    public var attempt: Int
    /// The instance's current access token, for adapters whose ``ChannelAdapter/tokenStep(context:)`` is not
    /// `nil`; the core fetches and refreshes it before calling ``ChannelAdapter/request(for:context:)``.
    public var accessToken: Secret?

    public init(nowMilliseconds: Int64, nonce: UInt64, attempt: Int, accessToken: Secret? = nil) {
        self.nowMilliseconds = nowMilliseconds
        self.nonce = nonce
        self.attempt = attempt
        self.accessToken = accessToken
    }
}
