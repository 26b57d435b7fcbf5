/// Maps gateway messages to vendor HTTP requests, and vendor replies and callbacks back to outcomes.
///
/// One adapter value serves one channel instance (one `channels.d/NAME.yaml`), built by its
/// ``ChannelKind`` from the instance's `settings:`. The core calls it from any thread, concurrently.
///
/// ## Implementation requirements
///
/// 1. **Pure.** No I/O, no sockets, no sleeping, no clocks, no randomness, no logging. Time, nonces and the
///    attempt number come in ``RequestContext``. The core owns retries, rate limits, timeouts and transport.
/// 2. **Deterministic.** The same message and context give a byte-identical ``VendorRequest``, so golden
///    fixtures can pin every request.
/// 3. **No secret leaks.** ``Secret`` values go only into requests; never into a ``Reason``, a
///    ``MessageProblem`` or any `description`.
/// 4. **Classify every reply.** ``outcome(of:to:message:)`` reads the vendor's own error code even on HTTP 200
///    (a 200 with a failure code is a failure). When unsure, return `.retry(Reason(.unknown))`, never
///    `.accepted`. Transport failures (refused, reset, timeout) are classified by the core and never reach it.
/// 5. **Check early.** ``check(_:)`` rejects what can never be sent (a malformed address, a missing template
///    parameter) so the client hears it before the message is queued.
public protocol ChannelAdapter: Sendable {
    /// Finds what makes a message unsendable on this instance, before it is accepted.
    /// - Parameter message: the message as the client sent it.
    /// - Returns: the problem, or `nil` if the message can be queued.
    func check(_ message: OutboundMessage) -> MessageProblem?

    /// Builds the vendor request for one attempt at a message.
    /// - Parameters:
    ///   - message: the message to send.
    ///   - context: time, nonce and attempt number, supplied by the core.
    /// - Throws: ``MessageProblem`` if the message cannot be expressed for this vendor (fails the message).
    func request(for message: OutboundMessage, context: RequestContext) throws(MessageProblem) -> VendorRequest

    /// Classifies the vendor's reply to a request this adapter built.
    /// - Parameters:
    ///   - response: the reply as received.
    ///   - request: the request it answers.
    ///   - message: the message the request carried.
    func outcome(of response: VendorResponse, to request: VendorRequest, message: OutboundMessage) -> SendOutcome

    /// Parses a vendor callback (delivery report, click, call result, customer reply).
    /// - Parameter callback: the HTTP request the vendor made to `/callbacks/<instance>`.
    /// - Returns: what it carried and the answer the vendor expects, or `nil` if this instance takes no
    ///   callbacks (the core answers 404).
    /// - Throws: ``MessageProblem`` if the body is not in the vendor's format (the core answers 400).
    func parseCallback(_ callback: InboundCallback) throws(MessageProblem) -> CallbackReport?
}

extension ChannelAdapter {
    /// Accepts every message; adapters override this to check addresses and parameters.
    public func check(_ message: OutboundMessage) -> MessageProblem? { nil }

    /// No callbacks: the vendor sends no receipts.
    public func parseCallback(_ callback: InboundCallback) throws(MessageProblem) -> CallbackReport? { nil }
}
