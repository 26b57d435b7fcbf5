/// A vendor access token (WeCom/WeChat `access_token`, an OAuth bearer token, an APNs provider JWT) with its
/// expiry. The core caches one per instance and refreshes it before it expires; it is never logged.
public struct AccessToken: Sendable, Hashable {
    /// The token itself.
    public var value: Secret
    /// When it stops being valid, in milliseconds since the Unix epoch.
    public var expiresAtMilliseconds: Int64

    public init(value: Secret, expiresAtMilliseconds: Int64) {
        self.value = value
        self.expiresAtMilliseconds = expiresAtMilliseconds
    }
}

/// How an adapter obtains its access token.
public enum TokenStep: Sendable, Hashable {
    /// Ask the vendor: the core sends this request (with the instance's timeout and transport) and passes the
    /// reply to ``ChannelAdapter/token(from:context:)``.
    case fetch(VendorRequest)
    /// The adapter made the token itself from the context's time (a signed JWT such as APNs' provider token).
    case issued(AccessToken)
}

/// What the vendor's reply to a token request gave.
public enum TokenResult: Sendable, Hashable {
    /// A token, with its expiry computed from the context's time.
    case issued(AccessToken)
    /// No token; the reason (`auth_expired` for bad credentials, `vendor_unavailable`, …) fails or retries the
    /// sends waiting for it as the core's retry policy decides.
    case failed(Reason)
}
