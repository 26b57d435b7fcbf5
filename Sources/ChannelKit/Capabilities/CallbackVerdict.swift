/// What the core does with a callback once its adapter's ``CallbackVerifier`` has checked it.
public enum CallbackVerdict: Sendable, Hashable {
    /// The vendor's URL-verification handshake: the core sends this answer, and the adapter's parser never sees
    /// the request.
    case answer(CallbackAnswer)
    /// A verified callback, with its plaintext body, for ``ChannelAdapter/parseCallback(_:)``.
    case forward(InboundCallback)
    /// A missing or wrong signature, or a ciphertext that does not decrypt for this instance: the core answers 401.
    case unauthorized(CallbackRejection)
}
