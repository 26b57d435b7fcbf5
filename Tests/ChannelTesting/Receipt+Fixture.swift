public import ChannelKit

extension Receipt {
    /// The event's name in fixtures (`delivered`, `invalid_number`, …).
    public var fixtureEventName: String {
        switch event {
        case .delivered: "delivered"
        case .opened: "opened"
        case .clicked: "clicked"
        case .answered: "answered"
        case .unanswered: "unanswered"
        case .refused: "refused"
        case .busy: "busy"
        case .invalidNumber: "invalid_number"
        case .failed: "failed"
        }
    }

    /// `{event, <vendor id key>, message_id, recipient, occurred_at_ms, vendor_status, reason}`, absent fields
    /// omitted; with a flat reason, its members stand in the receipt.
    public func fixtureJSON(_ shape: CallbackReport.FixtureShape) -> JSONValue {
        var members: [String: JSONValue] = ["event": .string(fixtureEventName)]
        if case .failed(let reason) = event {
            if shape.flatReason {
                members.merge(reason.fixtureMembers) { _, new in new }
            } else {
                members["reason"] = .object(reason.fixtureMembers)
            }
        }
        if let id = vendorMessageID { members[shape.vendorIDKey] = .string(id) }
        if let id = messageID { members["message_id"] = .string(id) }
        if let recipient { members["recipient"] = .string(recipient) }
        if let time = occurredAtMilliseconds { members["occurred_at_ms"] = .number(String(time)) }
        if let status = vendorStatus { members["vendor_status"] = .string(status) }
        return .object(members)
    }
}
