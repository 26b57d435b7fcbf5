public import ChannelKit

extension RequestContext {
    /// The fixed context golden requests are built with, so they are reproducible: 2025-11-24T16:00:00Z, nonce 42,
    /// first attempt, and the access token the core would supply (if the vendor uses one).
    public static func golden(accessToken: String? = nil) -> RequestContext {
        RequestContext(
            nowMilliseconds: 1_764_000_000_000, nonce: 42, attempt: 1, accessToken: accessToken.map(Secret.init))
    }
}
