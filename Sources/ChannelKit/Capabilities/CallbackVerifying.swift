/// Capability: the vendor signs or encrypts its callbacks, and the adapter knows how to check them.
///
/// Checking is pure, so it belongs to the adapter; the core owns the flow. For every request to
/// `/callbacks/<instance>` it asks ``callbackVerifier`` first and, when there is one, runs
/// ``CallbackVerifier/verify(_:)``: `.unauthorized` is answered 401, `.answer` (the vendor's URL-verification
/// handshake) is sent back as it is, and only a `.forward`ed callback (its body decrypted when the vendor
/// encrypts) reaches ``ChannelAdapter/parseCallback(_:)``. A new signing scheme is a new ``CallbackVerifier`` in
/// the vendor's plugin (or a shared plugin target, such as `Plugins/WeChatCrypto`): the core does not change.
public protocol CallbackVerifying: ChannelAdapter {
    /// The scheme and credentials this instance's callbacks are checked with; `nil` when the instance has no
    /// callback credentials (its callbacks then go to ``ChannelAdapter/parseCallback(_:)`` unchecked, which
    /// answers `nil` for an instance that takes none).
    var callbackVerifier: (any CallbackVerifier)? { get }
}
