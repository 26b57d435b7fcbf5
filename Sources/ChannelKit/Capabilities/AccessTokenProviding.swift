/// Capability: the vendor wants an access token on each request, and the adapter knows how to get one.
///
/// Tokens are the core's: it asks ``tokenStep(context:)`` when the instance has no valid token, fetches when told
/// to, reads the reply with ``token(from:context:)``, caches the token and hands it to every request in
/// ``RequestContext/accessToken``. The adapter never caches or refreshes one. A send reply meaning "token expired
/// or invalid" is `.retry(Reason(.authExpired, …))`: the core drops the token and retries once at once with a
/// fresh one.
public protocol AccessTokenProviding: ChannelAdapter {
    /// How to obtain the instance's access token: fetch it with a request, or take one signed locally (a JWT).
    /// - Parameter context: the time (for JWT `iat`/`exp`) and a nonce; `accessToken` is `nil` here.
    /// - Throws: ``MessageProblem`` when the token cannot be built (a key that does not sign); sends then fail
    ///   with its reason.
    func tokenStep(context: RequestContext) throws(MessageProblem) -> TokenStep

    /// Reads the vendor's reply to a ``TokenStep/fetch(_:)`` request (never called for `.issued` tokens).
    func token(from response: VendorResponse, context: RequestContext) -> TokenResult
}
