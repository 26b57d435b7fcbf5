/// The optional capabilities of one adapter, looked up once, when its instance is configured or reloaded.
///
/// Each lookup is a dynamic cast, too dear for the send path (~20,000 messages a second): the core keeps this
/// value beside the adapter and reads its fields instead of casting per message.
public struct AdapterCapabilities: Sendable {
    /// The adapter as an ``AccessTokenProviding``, if its vendor wants access tokens.
    public let accessTokenProviding: (any AccessTokenProviding)?
    /// The adapter as a ``Batching``, if its vendor takes many recipients per request.
    public let batching: (any Batching)?
    /// The adapter as a ``ReceiptPolling``, if its vendor answers outcome queries.
    public let receiptPolling: (any ReceiptPolling)?
    /// The adapter as a ``SendChecking``, if its vendor can say whether it took a send.
    public let sendChecking: (any SendChecking)?
    /// The adapter as a ``CallbackParsing``, if its vendor calls back.
    public let callbackParsing: (any CallbackParsing)?
    /// The adapter as a ``CallbackVerifying``, if its vendor signs or encrypts its callbacks.
    public let callbackVerifying: (any CallbackVerifying)?
    /// The instance's callback check (``CallbackVerifying``), if its vendor signs or encrypts callbacks and its
    /// settings name the credentials.
    public let callbackVerifier: (any CallbackVerifier)?
    /// Whether the instance has a default template (``DefaultTemplateProviding``).
    public let hasDefaultTemplate: Bool

    /// Looks up every capability of `adapter`.
    public init(_ adapter: any ChannelAdapter) {
        accessTokenProviding = adapter as? any AccessTokenProviding
        batching = adapter as? any Batching
        receiptPolling = adapter as? any ReceiptPolling
        sendChecking = adapter as? any SendChecking
        callbackParsing = adapter as? any CallbackParsing
        callbackVerifying = adapter as? any CallbackVerifying
        callbackVerifier = (adapter as? any CallbackVerifying)?.callbackVerifier
        hasDefaultTemplate = (adapter as? any DefaultTemplateProviding)?.hasDefaultTemplate ?? false
    }
}
