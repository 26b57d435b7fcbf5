/// Capability: the vendor answers queries for the outcome of sent messages (Alibaba `QuerySendDetails`), for
/// messages whose delivery report never came.
///
/// Polling is the core's: an instance with `poll_receipts:` (refused for adapters without this capability) has
/// the core query due messages, ``pollBatchSize`` at a time, at the rate the operator allows.
public protocol ReceiptPolling: ChannelAdapter {
    /// How many sent messages one query covers (at least 1).
    var pollBatchSize: Int { get }

    /// The query for the outcome of sent messages.
    /// - Throws: ``MessageProblem`` when the query cannot be built; the core logs it and tries again later.
    func pollRequest(for targets: [PollTarget], context: RequestContext) throws(MessageProblem) -> VendorRequest

    /// Reads a query's reply into receipts (none for messages the vendor has no final word on yet).
    func receipts(fromPoll response: VendorResponse, for targets: [PollTarget]) -> [Receipt]
}
