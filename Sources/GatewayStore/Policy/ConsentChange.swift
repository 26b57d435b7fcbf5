/// One opt-out or opt-in, as appended to the consent log (which is never rewritten).
public struct ConsentChange: Sendable {
    /// Whom it is about.
    public enum Subject: Sendable, Hashable {
        /// A customer id.
        case customer(String)
        /// An address (phone number, open id, …).
        case address(String)

        /// `customer` or `address`.
        public var kind: String {
            switch self {
            case .customer: "customer"
            case .address: "address"
            }
        }

        /// The id or address as given.
        public var text: String {
            switch self {
            case .customer(let id): id
            case .address(let address): address
            }
        }

        /// The registry key.
        var key: String {
            switch self {
            case .customer(let id): PolicySubject.customer(id)
            case .address(let address): PolicySubject.address(address)
            }
        }
    }

    /// How the decision reached the gateway.
    public enum Route: String, Sendable, CaseIterable {
        /// The `optout`/`optin` socket operation.
        case api
        /// A customer's SMS reply (the vendor's MO id is the evidence).
        case smsReply = "sms_reply"
        /// A call result of refused or "do not call".
        case callResult = "call_result"
        /// A bulk import by an operator.
        case `import`
    }

    /// Whom it is about.
    public var subject: Subject
    /// The channel type it covers (`sms`, …), or `*` for every channel.
    public var channel: String
    /// `true` for an opt-out, `false` for an opt-in.
    public var optOut: Bool
    /// How it arrived.
    public var route: Route
    /// Supporting evidence: the vendor's MO id, a call id, a ticket number.
    public var evidence: String?
    /// Who recorded it: the socket peer (`uid=…,pid=…`) or the callback instance.
    public var client: String

    public init(subject: Subject, channel: String, optOut: Bool, route: Route, evidence: String?, client: String) {
        self.subject = subject
        self.channel = channel
        self.optOut = optOut
        self.route = route
        self.evidence = evidence
        self.client = client
    }
}

/// A customer's or address's consent: the standing decision per channel and every logged change.
public struct ConsentReport: Sendable {
    /// One entry of the consent log.
    public struct Entry: Sendable {
        public var sequence: Int64
        public var subjectKind: String
        public var subject: String
        public var channel: String
        public var action: String
        public var route: String
        public var evidence: String?
        public var client: String
        public var at: Int64

        public init(
            sequence: Int64, subjectKind: String, subject: String, channel: String, action: String, route: String,
            evidence: String?, client: String, at: Int64
        ) {
            self.sequence = sequence
            self.subjectKind = subjectKind
            self.subject = subject
            self.channel = channel
            self.action = action
            self.route = route
            self.evidence = evidence
            self.client = client
            self.at = at
        }
    }

    /// Channels (or `*`) the subject is opted out of now.
    public var optedOut: [String]
    /// The log, oldest first.
    public var entries: [Entry]

    public init(optedOut: [String], entries: [Entry]) {
        self.optedOut = optedOut
        self.entries = entries
    }
}
