public import GatewayJSON

/// The answer to one accepted `send` (and each accepted message of a `send_batch`).
public struct SendAnswer: ControlAnswer, Hashable {
    /// What became of the message.
    public enum Outcome: Sendable, Hashable {
        case queued
        /// Sent at `until` (an RFC 3339 time), unless its `not_after` passes first.
        case deferred(until: String)
        /// Kept for `status`, never sent: `opted_out`, or `frequency_cap` with the cap's name.
        case suppressed(reason: String, cap: String?)
        /// The message id is the original's.
        case duplicate
    }

    public let messageID: String
    public let outcome: Outcome

    public init(messageID: String, outcome: Outcome) {
        self.messageID = messageID
        self.outcome = outcome
    }

    /// The `state` on the wire.
    public var state: String {
        switch outcome {
        case .queued: "queued"
        case .deferred: "deferred"
        case .suppressed: "suppressed"
        case .duplicate: "duplicate"
        }
    }

    public func appendFields(to line: inout String) {
        // Message ids, times and reasons are the gateway's own plain text: no escaping needed.
        line += ",\"message_id\":\"\(messageID)\",\"state\":\"\(state)\""
        switch outcome {
        case .queued, .duplicate: break
        case .deferred(let until): line += ",\"until\":\"\(until)\""
        case .suppressed(let reason, let cap):
            line += ",\"reason\":\"\(reason)\""
            if let cap {
                line += ",\"cap\":"
                JSONValue.appendQuoted(cap, to: &line)
            }
        }
    }

    /// Reads an `ok` send answer; `nil` if it is not one.
    public init?(json: JSONValue) {
        guard case .string(let messageID)? = json["message_id"], case .string(let state)? = json["state"] else {
            return nil
        }
        self.messageID = messageID
        switch state {
        case "queued": outcome = .queued
        case "duplicate": outcome = .duplicate
        case "deferred": outcome = .deferred(until: json["until"]?.stringValue ?? "")
        case "suppressed":
            outcome = .suppressed(reason: json["reason"]?.stringValue ?? "", cap: json["cap"]?.stringValue)
        default: return nil
        }
    }
}
