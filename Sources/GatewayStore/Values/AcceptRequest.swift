public import ChannelKit

/// A message to make durable, as the control socket hands it to the store.
public struct AcceptRequest: Sendable {
    /// What to do with a send over a frequency cap.
    public enum CapAction: String, Sendable {
        /// Answer `suppressed` with `frequency_cap` (the default).
        case suppress
        /// Accept it and send it when the window allows.
        case `defer`
    }

    /// The message, with its freshly generated id.
    public var message: OutboundMessage
    /// The channel type of the instance (`sms`, …): opt-outs and per-channel caps key on it.
    public var channelType: String
    /// The customer id the client named, if any: caps and opt-outs key on it.
    public var customer: String?
    /// The deduplication key (explicit `k:…` or content hash `h:…`); `nil` claims none: a strategy's send is made
    /// once by its run's compare-and-set, which a replayed advance loses before it reaches the accept.
    public var dedupKey: String?
    /// The client's own dedup key, if given, kept for queries.
    public var clientDedupKey: String?
    /// Do not send before this time (epoch ms), if set.
    public var notBefore: Int64?
    /// Give up after this time (epoch ms), if set.
    public var notAfter: Int64?
    /// What to do over a cap.
    public var onCap: CapAction
    /// Tracked links in the message: token → original URL.
    public var links: [(token: String, url: String)] = []
    /// The customer's IANA time zone: quiet hours are read in it instead of the configured zone, if set.
    public var timeZone: String?
    /// The strategy run that sends this message, and the history row (visit) of its touch.
    public var runID: Int64?
    public var runVisit: Int?
    /// The customer key (`ck`) of a strategy send: its consent and caps are checked under it without a second HMAC.
    public var customerKey: String?
    /// The customer's number (`cn`) of a strategy send, so forget and a run's exit find the message.
    public var customerNumber: Int64?
    /// `customer` as stored (sealed with a store key), when the caller has it already: a strategy send takes its
    /// run's copy, so the writer does not seal the id once more per message.
    public var storedCustomer: String?
    /// `message.recipient` as stored, when the caller has it already (a strategy send to the customer's address
    /// as the directory keeps it).
    public var storedRecipient: String?

    public init(
        message: OutboundMessage, channelType: String, customer: String? = nil, dedupKey: String?,
        clientDedupKey: String?, notBefore: Int64? = nil, notAfter: Int64?, onCap: CapAction = .suppress
    ) {
        self.message = message
        self.channelType = channelType
        self.customer = customer
        self.dedupKey = dedupKey
        self.clientDedupKey = clientDedupKey
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.onCap = onCap
    }
}
