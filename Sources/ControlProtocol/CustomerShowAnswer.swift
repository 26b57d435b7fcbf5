public import GatewayJSON

/// `customer_show`: what the gateway knows of a customer. Addresses come masked (`LogMask.address`); times are
/// RFC 3339 text.
public struct CustomerShowAnswer: ControlAnswer, Hashable {
    /// Engagement on one channel type: decayed sends and engagements and the score `(E + 1)/(S + 2)`.
    public struct Score: Sendable, Hashable {
        public var channelType: String
        public var sends: Double
        public var engagements: Double
        public var score: Double

        public init(channelType: String, sends: Double, engagements: Double, score: Double) {
            self.channelType = channelType
            self.sends = sends
            self.engagements = engagements
            self.score = score
        }
    }

    /// A run not finished.
    public struct Run: Sendable, Hashable {
        public var runID: Int64
        public var strategy: String
        public var version: Int
        public var state: String
        public var step: String
        public var holdout: Bool
        public var nextTimerAt: String?
        public var nextTimerKind: String?
        public var startedAt: String

        public init(
            runID: Int64, strategy: String, version: Int, state: String, step: String, holdout: Bool,
            nextTimerAt: String? = nil, nextTimerKind: String? = nil, startedAt: String
        ) {
            self.runID = runID
            self.strategy = strategy
            self.version = version
            self.state = state
            self.step = step
            self.holdout = holdout
            self.nextTimerAt = nextTimerAt
            self.nextTimerKind = nextTimerKind
            self.startedAt = startedAt
        }
    }

    /// A send step of any run.
    public struct Touch: Sendable, Hashable {
        public var step: String
        public var outcome: String
        public var at: String
        public var channelType: String?
        public var messageID: String?
        public var deliveredAt: String?
        public var openedAt: String?
        public var clickedAt: String?
        public var repliedAt: String?

        public init(
            step: String, outcome: String, at: String, channelType: String? = nil, messageID: String? = nil,
            deliveredAt: String? = nil, openedAt: String? = nil, clickedAt: String? = nil, repliedAt: String? = nil
        ) {
            self.step = step
            self.outcome = outcome
            self.at = at
            self.channelType = channelType
            self.messageID = messageID
            self.deliveredAt = deliveredAt
            self.openedAt = openedAt
            self.clickedAt = clickedAt
            self.repliedAt = repliedAt
        }
    }

    public var customer: String
    /// Masked address per channel type.
    public var addresses: [String: String]
    public var attributes: [String: String]
    public var zone: String?
    public var tags: [String]
    /// Channel types (or `all`) opted out of marketing.
    public var optOuts: [String]
    public var scores: [Score]
    public var runs: [Run]
    /// Newest first, at most 10.
    public var touches: [Touch]
    public var createdAt: String
    public var updatedAt: String

    public init(
        customer: String, addresses: [String: String] = [:], attributes: [String: String] = [:], zone: String? = nil,
        tags: [String] = [], optOuts: [String] = [], scores: [Score] = [], runs: [Run] = [], touches: [Touch] = [],
        createdAt: String, updatedAt: String
    ) {
        self.customer = customer
        self.addresses = addresses
        self.attributes = attributes
        self.zone = zone
        self.tags = tags
        self.optOuts = optOuts
        self.scores = scores
        self.runs = runs
        self.touches = touches
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public func appendFields(to line: inout String) {
        for (key, value) in json.sorted(by: { $0.key < $1.key }) {
            line += ","
            JSONValue.appendQuoted(key, to: &line)
            line += ":"
            value.write(to: &line)
        }
    }

    /// The answer's members.
    var json: [String: JSONValue] {
        func text(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
        return [
            "customer": .string(customer),
            "addresses": .object(addresses.mapValues(JSONValue.string)),
            "attributes": .object(attributes.mapValues(JSONValue.string)),
            "zone": text(zone),
            "tags": .array(tags.map(JSONValue.string)),
            "opt_outs": .array(optOuts.map(JSONValue.string)),
            "scores": .array(
                scores.map { score in
                    .object([
                        "type": .string(score.channelType), "sends": Self.number(score.sends),
                        "engagements": Self.number(score.engagements), "score": Self.number(score.score),
                    ])
                }),
            "runs": .array(
                runs.map { run in
                    .object([
                        "run_id": .number(String(run.runID)), "strategy": .string(run.strategy),
                        "version": .number(String(run.version)), "state": .string(run.state),
                        "step": .string(run.step), "holdout": .bool(run.holdout),
                        "next_timer": run.nextTimerAt.map { at in
                            .object(["at": .string(at), "kind": text(run.nextTimerKind)])
                        } ?? .null,
                        "started_at": .string(run.startedAt),
                    ])
                }),
            "touches": .array(
                touches.map { touch in
                    .object([
                        "step": .string(touch.step), "outcome": .string(touch.outcome), "at": .string(touch.at),
                        "channel_type": text(touch.channelType), "message_id": text(touch.messageID),
                        "delivered_at": text(touch.deliveredAt), "opened_at": text(touch.openedAt),
                        "clicked_at": text(touch.clickedAt), "replied_at": text(touch.repliedAt),
                    ])
                }),
            "created_at": .string(createdAt),
            "updated_at": .string(updatedAt),
        ]
    }

    /// A score or decayed count, to 4 decimals (enough to read; the store keeps full precision).
    static func number(_ value: Double) -> JSONValue {
        guard value.isFinite else { return .number("0") }
        let rounded = (value * 10_000).rounded() / 10_000
        return .number(rounded == rounded.rounded() ? String(Int64(rounded)) : String(rounded))
    }

    public init?(json: JSONValue) {
        guard case .string(let customer)? = json["customer"] else { return nil }
        func text(_ value: JSONValue?) -> String? { value?.stringValue }
        func double(_ value: JSONValue?) -> Double {
            if case .number(let text)? = value { return Double(text) ?? 0 }
            return 0
        }
        func strings(_ value: JSONValue?) -> [String: String] {
            guard case .object(let members)? = value else { return [:] }
            return members.compactMapValues(\.stringValue)
        }
        func items(_ key: String) -> [JSONValue] {
            if case .array(let items)? = json[key] { return items }
            return []
        }
        self.init(
            customer: customer, addresses: strings(json["addresses"]), attributes: strings(json["attributes"]),
            zone: text(json["zone"]), tags: AnswerLine.strings(json["tags"]) ?? [],
            optOuts: AnswerLine.strings(json["opt_outs"]) ?? [],
            scores: items("scores").map { item in
                Score(
                    channelType: text(item["type"]) ?? "", sends: double(item["sends"]),
                    engagements: double(item["engagements"]), score: double(item["score"]))
            },
            runs: items("runs").map { item in
                Run(
                    runID: Int64(item["run_id"]?.scalarText ?? "") ?? 0, strategy: text(item["strategy"]) ?? "",
                    version: item["version"]?.intValue ?? 0, state: text(item["state"]) ?? "",
                    step: text(item["step"]) ?? "", holdout: item["holdout"] == .bool(true),
                    nextTimerAt: text(item["next_timer"]?["at"]), nextTimerKind: text(item["next_timer"]?["kind"]),
                    startedAt: text(item["started_at"]) ?? "")
            },
            touches: items("touches").map { item in
                Touch(
                    step: text(item["step"]) ?? "", outcome: text(item["outcome"]) ?? "", at: text(item["at"]) ?? "",
                    channelType: text(item["channel_type"]), messageID: text(item["message_id"]),
                    deliveredAt: text(item["delivered_at"]), openedAt: text(item["opened_at"]),
                    clickedAt: text(item["clicked_at"]), repliedAt: text(item["replied_at"]))
            },
            createdAt: text(json["created_at"]) ?? "", updatedAt: text(json["updated_at"]) ?? "")
    }
}
