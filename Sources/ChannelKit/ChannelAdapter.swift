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
/// 6. **Tokens are the core's.** An adapter whose vendor needs an access token says how to get one
///    (``tokenStep(context:)``, ``token(from:context:)``) and reads it from ``RequestContext/accessToken``. It
///    never caches or refreshes one. A reply meaning "token expired or invalid" is
///    `.retry(Reason(.authExpired, …))`: the core drops the token and retries once at once with a fresh one.
/// 7. **Batches are the core's.** An adapter whose vendor takes many recipients per request returns a
///    ``maxBatchSize`` above 1 and a ``batchKey(for:)`` (messages with equal keys may share a request); the core
///    groups them and calls ``request(for:context:)-([OutboundMessage],_)``, then
///    ``outcome(of:to:messages:)``, which answers `.partial` with one outcome per recipient.
/// 8. **Callback signatures are the core's.** An adapter whose vendor signs or encrypts its callbacks returns a
///    ``callbackSecurity`` (the scheme and its secrets); the core verifies each callback (401 when it fails),
///    answers the vendor's URL-verification handshake itself and passes ``parseCallback(_:)`` the decrypted body.
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

    /// How to obtain the instance's access token; `nil` when the vendor needs none (the default).
    /// - Parameter context: the time (for JWT `iat`/`exp`) and a nonce; `accessToken` is `nil` here.
    func tokenStep(context: RequestContext) throws(MessageProblem) -> TokenStep?

    /// Reads the vendor's reply to a ``TokenStep/fetch(_:)`` request.
    func token(from response: VendorResponse, context: RequestContext) -> TokenResult

    /// The most messages one request may carry (1, the default, for vendors without batch sends).
    var maxBatchSize: Int { get }

    /// Messages with equal keys may share one request (same template and content, say); `nil` never batches.
    func batchKey(for message: OutboundMessage) -> String?

    /// Builds one request for several messages with equal ``batchKey(for:)`` and distinct recipients.
    func request(for messages: [OutboundMessage], context: RequestContext) throws(MessageProblem) -> VendorRequest

    /// Classifies the reply to a batch request: `.partial` with one ``RecipientOutcome`` per recipient (a
    /// recipient missing from it is retried).
    func outcome(of response: VendorResponse, to request: VendorRequest, messages: [OutboundMessage]) -> SendOutcome

    /// How the core verifies this instance's callbacks before ``parseCallback(_:)``; `nil` (the default) when the
    /// vendor neither signs nor encrypts them in a way the core checks.
    var callbackSecurity: CallbackSecurity? { get }

    /// How many sent messages one pull-receipt query covers; 0 (the default) when the vendor offers no pull.
    var pollBatchSize: Int { get }

    /// Whether the instance has a template of its own for messages that name neither `template` nor `content`
    /// (Alibaba SMS `template_code`); `false` by default. The core then accepts such sends, and ``check(_:)``
    /// still has the last word.
    var hasDefaultTemplate: Bool { get }

    /// The query for the outcome of sent messages (Alibaba `QuerySendDetails`), for vendors without push.
    func pollRequest(for targets: [PollTarget], context: RequestContext) throws(MessageProblem) -> VendorRequest

    /// Reads a pull-receipt reply into receipts (none for messages the vendor has no final word on yet).
    func receipts(fromPoll response: VendorResponse, for targets: [PollTarget]) -> [Receipt]

    /// The query asking the vendor whether it took `message`, whose single-message send started at
    /// `sentAtMilliseconds` got no answer (Alibaba `QuerySendDetails` by number, day and `OutId`); `nil` (the
    /// default) when the vendor cannot say. The core asks before resending such a message.
    func sendCheckRequest(for message: OutboundMessage, sentAtMilliseconds: Int64, context: RequestContext)
        throws(MessageProblem) -> VendorRequest?

    /// Reads the reply to ``sendCheckRequest(for:sentAtMilliseconds:context:)``.
    func sendCheck(from response: VendorResponse, message: OutboundMessage) -> SendCheck
}

extension ChannelAdapter {
    /// Accepts every message; adapters override this to check addresses and parameters.
    public func check(_ message: OutboundMessage) -> MessageProblem? { nil }

    /// No callbacks: the vendor sends no receipts.
    public func parseCallback(_ callback: InboundCallback) throws(MessageProblem) -> CallbackReport? { nil }

    /// No token.
    public func tokenStep(context: RequestContext) throws(MessageProblem) -> TokenStep? { nil }

    /// Only called for adapters that fetch tokens; those override it.
    public func token(from response: VendorResponse, context: RequestContext) -> TokenResult {
        .failed(Reason(.unknown, detail: "this adapter does not read token replies"))
    }

    /// One message per request.
    public var maxBatchSize: Int { 1 }

    /// No pull receipts.
    public var pollBatchSize: Int { 0 }

    /// No default template: a send needs `template` or `content`.
    public var hasDefaultTemplate: Bool { false }

    /// Only called for adapters with a ``pollBatchSize`` above 0.
    public func pollRequest(for targets: [PollTarget], context: RequestContext) throws(MessageProblem)
        -> VendorRequest
    {
        throw .badRequest("this channel offers no pull receipts")
    }

    /// No pull receipts.
    public func receipts(fromPoll response: VendorResponse, for targets: [PollTarget]) -> [Receipt] { [] }

    /// The vendor cannot be asked whether it took a send.
    public func sendCheckRequest(for message: OutboundMessage, sentAtMilliseconds: Int64, context: RequestContext)
        throws(MessageProblem) -> VendorRequest?
    { nil }

    /// Only called for adapters that build a send check.
    public func sendCheck(from response: VendorResponse, message: OutboundMessage) -> SendCheck {
        .unknown(Reason(.unknown, detail: "this adapter cannot ask whether a send arrived"))
    }

    /// No callback signature for the core to check.
    public var callbackSecurity: CallbackSecurity? { nil }

    /// Never batched.
    public func batchKey(for message: OutboundMessage) -> String? { nil }

    /// A batch of one is the single request; adapters with ``maxBatchSize`` above 1 override this.
    public func request(for messages: [OutboundMessage], context: RequestContext) throws(MessageProblem)
        -> VendorRequest
    {
        guard messages.count == 1, let message = messages.first else {
            throw .badRequest("this channel sends one message per request")
        }
        return try request(for: message, context: context)
    }

    /// A batch of one is classified as the single request.
    public func outcome(of response: VendorResponse, to request: VendorRequest, messages: [OutboundMessage])
        -> SendOutcome
    {
        guard messages.count == 1, let message = messages.first else {
            return .retry(Reason(.unknown, detail: "this channel sends one message per request"))
        }
        return outcome(of: response, to: request, message: message)
    }
}
