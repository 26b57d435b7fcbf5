public import GatewayJSON

/// `status`: one message's state, its attempts, receipts and clicks. Times are RFC 3339 text.
public struct StatusAnswer: ControlAnswer, Hashable {
    /// One attempt to hand the message to a vendor.
    public struct Attempt: Sendable, Hashable {
        public var number: Int
        public var at: String
        /// `sent`, `retry`, `ambiguous`, `failed`, `expired` or `failed_over`.
        public var outcome: String?
        public var httpStatus: Int?
        public var reason: String?
        public var vendorCode: String?
        public var detail: String?
        public var durationMilliseconds: Int64

        public init(
            number: Int, at: String, outcome: String?, httpStatus: Int?, reason: String?, vendorCode: String?,
            detail: String?, durationMilliseconds: Int64
        ) {
            self.number = number
            self.at = at
            self.outcome = outcome
            self.httpStatus = httpStatus
            self.reason = reason
            self.vendorCode = vendorCode
            self.detail = detail
            self.durationMilliseconds = durationMilliseconds
        }
    }

    /// A delivery receipt, call result or engagement event.
    public struct Receipt: Sendable, Hashable {
        public var event: String
        public var reason: String?
        public var vendorStatus: String?
        public var occurredAt: String?
        public var receivedAt: String
        /// Only an `event`'s value; left out of the answer when `nil`.
        public var value: String?

        public init(
            event: String, reason: String?, vendorStatus: String?, occurredAt: String?, receivedAt: String,
            value: String?
        ) {
            self.event = event
            self.reason = reason
            self.vendorStatus = vendorStatus
            self.occurredAt = occurredAt
            self.receivedAt = receivedAt
            self.value = value
        }
    }

    public var messageID: String
    public var channel: String?
    public var to: String?
    public var category: String?
    public var customer: String?
    public var state: String?
    public var attempts: Int
    public var vendorMessageID: String?
    public var reason: String?
    public var reasonDetail: String?
    public var dedupKey: String?
    public var createdAt: String?
    public var updatedAt: String?
    public var notAfter: String?
    /// When a waiting message is due next.
    public var nextAttemptAt: String?
    public var history: [Attempt]
    public var clicks: Int
    public var firstClickedAt: String?
    public var receipts: [Receipt]

    public init(
        messageID: String, channel: String?, to: String?, category: String?, customer: String?, state: String?,
        attempts: Int, vendorMessageID: String?, reason: String?, reasonDetail: String?, dedupKey: String?,
        createdAt: String?, updatedAt: String?, notAfter: String?, nextAttemptAt: String?, history: [Attempt],
        clicks: Int, firstClickedAt: String?, receipts: [Receipt]
    ) {
        self.messageID = messageID
        self.channel = channel
        self.to = to
        self.category = category
        self.customer = customer
        self.state = state
        self.attempts = attempts
        self.vendorMessageID = vendorMessageID
        self.reason = reason
        self.reasonDetail = reasonDetail
        self.dedupKey = dedupKey
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.notAfter = notAfter
        self.nextAttemptAt = nextAttemptAt
        self.history = history
        self.clicks = clicks
        self.firstClickedAt = firstClickedAt
        self.receipts = receipts
    }

    /// Reads the `message` object of an answer; `nil` without one.
    public init?(json: JSONValue) {
        guard let message = json["message"], case .string(let messageID)? = message["message_id"] else { return nil }
        func text(_ value: JSONValue?) -> String? { value?.scalarText }
        var history: [Attempt] = []
        if case .array(let entries)? = message["history"] {
            for entry in entries {
                history.append(
                    Attempt(
                        number: entry["attempt"]?.intValue ?? 0, at: text(entry["at"]) ?? "",
                        outcome: text(entry["outcome"]), httpStatus: entry["http_status"]?.intValue,
                        reason: text(entry["reason"]), vendorCode: text(entry["vendor_code"]),
                        detail: text(entry["detail"]),
                        durationMilliseconds: Int64(entry["duration_ms"]?.intValue ?? 0)))
            }
        }
        var receipts: [Receipt] = []
        if case .array(let entries)? = message["receipts"] {
            for entry in entries {
                receipts.append(
                    Receipt(
                        event: text(entry["event"]) ?? "", reason: text(entry["reason"]),
                        vendorStatus: text(entry["vendor_status"]), occurredAt: text(entry["occurred_at"]),
                        receivedAt: text(entry["received_at"]) ?? "", value: text(entry["value"])))
            }
        }
        self.init(
            messageID: messageID, channel: text(message["channel"]), to: text(message["to"]),
            category: text(message["category"]), customer: text(message["customer"]), state: text(message["state"]),
            attempts: message["attempts"]?.intValue ?? 0, vendorMessageID: text(message["vendor_message_id"]),
            reason: text(message["reason"]), reasonDetail: text(message["reason_detail"]),
            dedupKey: text(message["dedup_key"]), createdAt: text(message["created_at"]),
            updatedAt: text(message["updated_at"]), notAfter: text(message["not_after"]),
            nextAttemptAt: text(message["next_attempt_at"]), history: history,
            clicks: message["clicks"]?.intValue ?? 0, firstClickedAt: text(message["first_clicked_at"]),
            receipts: receipts)
    }

    public func appendFields(to line: inout String) {
        line += ",\"message\":"
        appendMessage(to: &line)
    }

    /// The `message` object.
    public func appendMessage(to line: inout String) {
        func field(_ name: String, _ value: String?) {
            line += ",\"\(name)\":"
            if let value { JSONValue.appendQuoted(value, to: &line) } else { line += "null" }
        }
        line += "{\"message_id\":"
        JSONValue.appendQuoted(messageID, to: &line)
        field("channel", channel)
        field("to", to)
        field("category", category)
        field("customer", customer)
        field("state", state)
        line += ",\"attempts\":\(attempts)"
        field("vendor_message_id", vendorMessageID)
        field("reason", reason)
        field("reason_detail", reasonDetail)
        field("dedup_key", dedupKey)
        field("created_at", createdAt)
        field("updated_at", updatedAt)
        field("not_after", notAfter)
        field("next_attempt_at", nextAttemptAt)
        line += ",\"history\":["
        for (offset, attempt) in history.enumerated() {
            if offset > 0 { line += "," }
            line += "{\"attempt\":\(attempt.number)"
            field("at", attempt.at)
            field("outcome", attempt.outcome)
            line += ",\"http_status\":" + (attempt.httpStatus.map(String.init) ?? "null")
            field("reason", attempt.reason)
            field("vendor_code", attempt.vendorCode)
            field("detail", attempt.detail)
            line += ",\"duration_ms\":\(attempt.durationMilliseconds)}"
        }
        line += "],\"clicks\":\(clicks)"
        field("first_clicked_at", firstClickedAt)
        line += ",\"receipts\":["
        for (offset, receipt) in receipts.enumerated() {
            if offset > 0 { line += "," }
            line += "{\"event\":"
            JSONValue.appendQuoted(receipt.event, to: &line)
            field("reason", receipt.reason)
            field("vendor_status", receipt.vendorStatus)
            field("occurred_at", receipt.occurredAt)
            field("received_at", receipt.receivedAt)
            if let value = receipt.value { field("value", value) }
            line += "}"
        }
        line += "]}"
    }
}
