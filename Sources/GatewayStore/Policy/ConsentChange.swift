/// One opt-out or opt-in, as appended to the consent log (which is never rewritten).
///
/// The log's names (`SubjectKind`, `Action`, `Route`) read back from storage without failing: a name this build
/// does not know (a newer daemon or another backend wrote it) becomes `.unrecognized` with the stored text, which
/// the log shows as stored. The log is evidence, so such an entry is neither dropped nor guessed at.
public struct ConsentChange: Sendable {
    /// Whom it is about.
    public enum Subject: Sendable, Hashable {
        /// A customer id.
        case customer(String)
        /// An address (phone number, open id, …).
        case address(String)

        /// Whether it is a customer id or an address.
        public var kind: SubjectKind {
            switch self {
            case .customer: .customer
            case .address: .address
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
        package var key: String {
            switch self {
            case .customer(let id): PolicySubject.customer(id)
            case .address(let address): PolicySubject.address(address)
            }
        }
    }

    /// What kind of subject a log entry is about; its raw value is the stored and wire name.
    public enum SubjectKind: Sendable, Hashable, RawRepresentable {
        case customer
        case address
        /// A stored name this build does not know, kept as stored.
        case unrecognized(String)

        public init(rawValue: String) {
            switch rawValue {
            case "customer": self = .customer
            case "address": self = .address
            default: self = .unrecognized(rawValue)
            }
        }

        public var rawValue: String {
            switch self {
            case .customer: "customer"
            case .address: "address"
            case .unrecognized(let name): name
            }
        }
    }

    /// Which way a log entry decided; its raw value is the stored and wire name.
    public enum Action: Sendable, Hashable, RawRepresentable {
        /// `optout`.
        case optOut
        /// `optin`.
        case optIn
        /// A stored name this build does not know, kept as stored.
        case unrecognized(String)

        public init(rawValue: String) {
            switch rawValue {
            case "optout": self = .optOut
            case "optin": self = .optIn
            default: self = .unrecognized(rawValue)
            }
        }

        public var rawValue: String {
            switch self {
            case .optOut: "optout"
            case .optIn: "optin"
            case .unrecognized(let name): name
            }
        }
    }

    /// How the decision reached the gateway; its raw value is the stored and wire name.
    public enum Route: Sendable, Hashable, RawRepresentable {
        /// The `optout`/`optin` socket operation.
        case api
        /// A customer's SMS reply (the vendor's MO id is the evidence).
        case smsReply
        /// A call result of refused or "do not call".
        case callResult
        /// A bulk import by an operator.
        case `import`
        /// A stored name this build does not know, kept as stored.
        case unrecognized(String)

        public init(rawValue: String) {
            switch rawValue {
            case "api": self = .api
            case "sms_reply": self = .smsReply
            case "call_result": self = .callResult
            case "import": self = .import
            default: self = .unrecognized(rawValue)
            }
        }

        public var rawValue: String {
            switch self {
            case .api: "api"
            case .smsReply: "sms_reply"
            case .callResult: "call_result"
            case .import: "import"
            case .unrecognized(let name): name
            }
        }
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

    /// The log's name for the decision.
    public var action: Action { optOut ? .optOut : .optIn }
}
