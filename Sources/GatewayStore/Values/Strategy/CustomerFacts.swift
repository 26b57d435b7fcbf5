/// What the engine knows of a run's customer when it interprets steps: read with the run, in clear.
public struct CustomerFacts: Sendable {
    public var id: String
    /// IANA zone, if the customer has one.
    public var zone: String?
    public var attributes: [String: String]
    public var tags: Set<String>
    /// Address per channel type (`sms`, `app_push`, `wecom`, `wechat_oa`, `call_queue`).
    public var addresses: [String: String]
    /// Channel score per channel type, for `channel: auto`.
    public var scores: [String: ChannelScoreRow]
    /// The addresses as stored (sealed under a store key), per channel type: a send to one, unchanged, keeps this
    /// form instead of sealing the address again.
    public var storedAddresses: [String: String] = [:]

    public init(
        id: String, zone: String? = nil, attributes: [String: String] = [:], tags: Set<String> = [],
        addresses: [String: String] = [:], scores: [String: ChannelScoreRow] = [:]
    ) {
        self.id = id
        self.zone = zone
        self.attributes = attributes
        self.tags = tags
        self.addresses = addresses
        self.scores = scores
    }
}

/// A customer's decayed engagement on one channel type (see `ChannelScore`).
public struct ChannelScoreRow: Sendable, Equatable {
    /// Decayed sends (admitted touches).
    public var sends: Double
    /// Decayed engagements (first open or click of a touch).
    public var engagements: Double
    /// Undecayed sends, for the evidence rule.
    public var sendsTotal: Int
    public var lastEngagedAt: Int64?
    /// When `sends` and `engagements` were last decayed (epoch ms).
    public var updatedAt: Int64

    public init(sends: Double, engagements: Double, sendsTotal: Int, lastEngagedAt: Int64?, updatedAt: Int64) {
        self.sends = sends
        self.engagements = engagements
        self.sendsTotal = sendsTotal
        self.lastEngagedAt = lastEngagedAt
        self.updatedAt = updatedAt
    }
}
