/// A customer's or address's consent: the standing decision per channel and every logged change.
public struct ConsentReport: Sendable {
    /// One entry of the consent log. Its names read back as stored, unknown ones included (see ``ConsentChange``).
    public struct Entry: Sendable {
        public var sequence: Int64
        public var subjectKind: ConsentChange.SubjectKind
        public var subject: String
        /// The channel type, or `*` for every channel.
        public var channel: String
        public var action: ConsentChange.Action
        public var route: ConsentChange.Route
        public var evidence: String?
        public var client: String
        public var at: Int64

        public init(
            sequence: Int64, subjectKind: ConsentChange.SubjectKind, subject: String, channel: String,
            action: ConsentChange.Action, route: ConsentChange.Route, evidence: String?, client: String, at: Int64
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
