/// Capability: the vendor calls the gateway back (delivery reports, clicks, call results, customer replies) at
/// `/callbacks/<instance>`.
///
/// The core answers 404 for an instance whose adapter lacks this capability, or whose ``parseCallback(_:)``
/// answers `nil`; a callback the vendor signs or encrypts is verified (and decrypted) by the core first.
public protocol CallbackParsing: ChannelAdapter {
    /// Parses a vendor callback.
    /// - Parameter callback: the HTTP request the vendor made to `/callbacks/<instance>` (verified plaintext).
    /// - Returns: what it carried and the answer the vendor expects, or `nil` if this instance takes no
    ///   callbacks (its settings name no callback credentials, say; the core answers 404).
    /// - Throws: ``MessageProblem`` if the body is not in the vendor's format (the core answers 400).
    func parseCallback(_ callback: InboundCallback) throws(MessageProblem) -> CallbackReport?
}
