public import GatewayJSON

/// `forget`: what was erased, once committed. The customer is named only by its pseudonym from now on.
public struct ForgetAnswer: ControlAnswer, Hashable {
    /// The pseudonym kept in the consent log and conversions (`f:` + keyed hash).
    public var customerHash: String
    /// Whether the directory knew the customer (messages and consent are erased either way).
    public var known: Bool
    public var runs: Int
    public var messages: Int
    public var addresses: Int
    public var tags: Int
    public var scores: Int
    /// `pending` while messages sent to the customer's addresses without a customer id remain to be swept,
    /// else `done`.
    public var sweep: String
    /// How far the sweep has come (0…1), answered to `progress: true` only.
    public var progress: Double?

    public init(
        customerHash: String, known: Bool, runs: Int, messages: Int, addresses: Int, tags: Int, scores: Int,
        sweep: String, progress: Double? = nil
    ) {
        self.customerHash = customerHash
        self.known = known
        self.runs = runs
        self.messages = messages
        self.addresses = addresses
        self.tags = tags
        self.scores = scores
        self.sweep = sweep
        self.progress = progress
    }

    public func appendFields(to line: inout String) {
        line += ",\"customer_hash\":"
        JSONValue.appendQuoted(customerHash, to: &line)
        line += ",\"known\":\(known)"
        line += ",\"erased\":{\"runs\":\(runs),\"messages\":\(messages),\"addresses\":\(addresses),"
        line += "\"tags\":\(tags),\"scores\":\(scores)},\"sweep\":"
        JSONValue.appendQuoted(sweep, to: &line)
        if let progress { line += ",\"progress\":\((progress * 1000).rounded() / 1000)" }
    }

    public init?(json: JSONValue) {
        guard case .string(let hash)? = json["customer_hash"], let erased = json["erased"],
            case .string(let sweep)? = json["sweep"]
        else { return nil }
        func count(_ key: String) -> Int { erased[key]?.intValue ?? 0 }
        self.init(
            customerHash: hash, known: json["known"] == .bool(true), runs: count("runs"), messages: count("messages"),
            addresses: count("addresses"), tags: count("tags"), scores: count("scores"), sweep: sweep,
            progress: json["progress"]?.scalarText.flatMap { Double($0) })
    }
}
