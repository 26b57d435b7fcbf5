public import GatewayJSON

/// `enrol`: one customer into a strategy, idempotent by the client's `enrol_key`.
public struct EnrolRequest: Sendable, Hashable {
    /// The strategy's name (its file name in `strategies.d` without `.yaml`).
    public var strategy: String
    /// The customer id as the bank names it (the directory's key, `customer` op).
    public var customer: String
    /// A repeat of the key within `strategies.enrol_key_window` answers `duplicate` with the first run.
    public var enrolKey: String?
    /// When the run's first step fires; `nil` (or a past time) is now.
    public var startAt: TimeInput?

    /// The fields an enrolment takes, inside `enrol_batch`'s `customers` too.
    static let itemFields: Set<String> = ["customer", "enrol_key", "start_at"]

    public init(strategy: String, customer: String, enrolKey: String? = nil, startAt: TimeInput? = nil) {
        self.strategy = strategy
        self.customer = customer
        self.enrolKey = enrolKey
        self.startAt = startAt
    }

    public init(decoding fields: RequestFields) throws(ControlError) {
        try fields.refuseUnknown(Self.itemFields.union(["op", "id", "strategy"]))
        try self.init(item: fields, strategy: Self.strategy(fields))
    }

    /// Decodes one enrolment's own fields (top level, or an item of `enrol_batch`, whose `start_at` stays its
    /// own: the daemon falls back on the batch's).
    init(item fields: RequestFields, strategy: String) throws(ControlError) {
        self.strategy = strategy
        guard let customer = try fields.text("customer") else {
            throw .badRequest("missing field 'customer'", field: fields.prefix + "customer")
        }
        self.customer = customer
        enrolKey = try fields.text("enrol_key", limit: 512)
        startAt = try fields.time("start_at")
    }

    /// The `strategy` field: required, a name as `strategies.d` file names are.
    static func strategy(_ fields: RequestFields) throws(ControlError) -> String {
        guard let name = try fields.text("strategy", limit: 64) else {
            throw .badRequest("missing field 'strategy'", field: "strategy")
        }
        return name
    }

    /// One enrolment's own fields.
    var itemMembers: [String: JSONValue] {
        var members: [String: JSONValue] = ["customer": .string(customer)]
        members["enrol_key"] = enrolKey.map(JSONValue.string)
        members["start_at"] = startAt?.json
        return members
    }

    public var members: [String: JSONValue] {
        var members = itemMembers
        members["strategy"] = .string(strategy)
        return members
    }
}
