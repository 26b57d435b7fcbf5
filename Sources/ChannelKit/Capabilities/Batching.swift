/// Capability: the vendor takes many recipients in one request.
///
/// Batches are the core's: it groups queued messages with equal ``batchKey(for:)`` and distinct recipients, up to
/// ``maxBatchSize``, and calls ``request(for:context:)-([OutboundMessage],_)`` then
/// ``outcome(of:to:messages:)`` for a group of two or more. A group of one goes through the single-message
/// requirements of ``ChannelAdapter``.
public protocol Batching: ChannelAdapter {
    /// The most messages one request may carry (above 1).
    var maxBatchSize: Int { get }

    /// Messages with equal keys may share one request (same template and content, say); `nil` never batches the
    /// message.
    func batchKey(for message: OutboundMessage) -> String?

    /// Builds one request for several messages with equal ``batchKey(for:)`` and distinct recipients.
    /// - Throws: ``MessageProblem`` if the messages cannot be expressed for this vendor (fails them all).
    func request(for messages: [OutboundMessage], context: RequestContext) throws(MessageProblem) -> VendorRequest

    /// Classifies the reply to a batch request: `.partial` with one ``RecipientOutcome`` per recipient (a
    /// recipient missing from it is retried), or one outcome for the whole request.
    func outcome(of response: VendorResponse, to request: VendorRequest, messages: [OutboundMessage]) -> SendOutcome
}
