/// One vendor's callback check with one instance's credentials: a signature scheme, and a decryption when the
/// vendor encrypts. A value, built once when the instance's settings load.
///
/// Pure, like an adapter: no I/O, no clocks. The `description` names the scheme and never shows a secret (keep
/// credentials in ``Secret``).
public protocol CallbackVerifier: Sendable, CustomStringConvertible {
    /// Checks one callback.
    /// - Parameter callback: the request as the vendor made it.
    /// - Returns: the handshake answer, the verified callback (with its plaintext body), or why it was refused.
    func verify(_ callback: InboundCallback) -> CallbackVerdict
}
