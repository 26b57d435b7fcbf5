public import GatewayJSON

/// The strategy lines of a stream (design §11). Fields are as sent: a client reads what it knows and keeps going.
extension StreamEvent {
    /// `{"event":"run",…}`: a run moved (enrolled, advanced, finished).
    public struct RunChange: Sendable, Hashable {
        public var runID: Int64?
        public var strategy: String?
        public var version: Int?
        public var customer: String?
        /// The step it now stands at.
        public var step: String?
        /// `ready`, `waiting` or `finished`.
        public var state: String?
        /// How it finished (`completed`, `exited`, `opted_out`, `cancelled`, `forgotten`), once finished.
        public var outcome: String?
        /// An RFC 3339 time.
        public var at: String?

        public init(json: JSONValue) {
            runID = json["run_id"]?.scalarText.flatMap { Int64($0) }
            strategy = json["strategy"]?.scalarText
            version = json["version"]?.intValue
            customer = json["customer"]?.scalarText
            step = json["step"]?.scalarText
            state = json["state"]?.scalarText
            outcome = json["outcome"]?.scalarText
            at = json["at"]?.scalarText
        }
    }

    /// `{"event":"tag",…}`: a customer's tag was added or removed.
    public struct TagChange: Sendable, Hashable {
        public var customer: String?
        public var tag: String?
        /// Whether it was added (`change: added`) rather than removed.
        public var added: Bool
        /// Who changed it: `strategy:<name>`, `affinity`, `customer`.
        public var source: String?
        public var at: String?

        public init(json: JSONValue) {
            customer = json["customer"]?.scalarText
            tag = json["tag"]?.scalarText
            added = json["change"]?.stringValue != "removed"
            source = json["source"]?.scalarText
            at = json["at"]?.scalarText
        }
    }

    /// `{"event":"conversion",…}`: a goal event credited to a strategy (and its touch, if any).
    public struct Conversion: Sendable, Hashable {
        public var runID: Int64?
        public var strategy: String?
        public var customer: String?
        /// The credited step, `nil` when no touch is credited (holdout, before the first touch).
        public var step: String?
        public var channelType: String?
        /// As sent (a JSON number's text).
        public var value: String?
        public var at: String?

        public init(json: JSONValue) {
            runID = json["run_id"]?.scalarText.flatMap { Int64($0) }
            strategy = json["strategy"]?.scalarText
            customer = json["customer"]?.scalarText
            step = json["step"]?.scalarText
            channelType = json["channel_type"]?.scalarText
            value = json["value"]?.scalarText
            at = json["at"]?.scalarText
        }
    }
}
