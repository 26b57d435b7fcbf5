/// Maps gateway messages to vendor HTTP requests, and vendor replies and callbacks back to outcomes.
///
/// One adapter value serves one channel instance (one `channels.d/NAME.yaml`), built by its
/// ``ChannelKind`` from the instance's `settings:`. The core calls it from any thread, concurrently.
///
/// This protocol holds what every adapter does: check, build, classify. What only some vendors offer is a
/// capability protocol of its own (`Capabilities/`), adopted by the adapters that have it:
/// ``AccessTokenProviding``, ``Batching``, ``ReceiptPolling``, ``SendChecking``, ``CallbackParsing``,
/// ``CallbackVerifying``, ``DefaultTemplateProviding``. A capability has no default implementations, so an
/// adapter that claims one implements all of it, and the core looks capabilities up once per instance
/// (``AdapterCapabilities``), never per message.
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
/// 6. **Tokens are the core's.** An adapter whose vendor needs an access token adopts ``AccessTokenProviding``
///    (how to get one) and reads it from ``RequestContext/accessToken``. It never caches or refreshes one. A reply
///    meaning "token expired or invalid" is `.retry(Reason(.authExpired, …))`: the core drops the token and
///    retries once at once with a fresh one.
/// 7. **Batches are the core's.** An adapter whose vendor takes many recipients per request adopts ``Batching``
///    (a ``Batching/maxBatchSize`` above 1 and a ``Batching/batchKey(for:)``; messages with equal keys may share
///    a request); the core groups them and calls the batch request and outcome, which answers `.partial` with
///    one outcome per recipient.
/// 8. **Callback signatures are checked first.** An adapter whose vendor signs or encrypts its callbacks adopts
///    ``CallbackVerifying`` (its ``CallbackVerifier`` is pure, so it is the adapter's); the core runs it on each
///    callback (401 when it fails), sends the vendor's URL-verification handshake answer and passes
///    ``CallbackParsing/parseCallback(_:)`` only the verified, decrypted body.
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
}

extension ChannelAdapter {
    /// Accepts every message; adapters override this to check addresses and parameters.
    public func check(_ message: OutboundMessage) -> MessageProblem? { nil }
}
