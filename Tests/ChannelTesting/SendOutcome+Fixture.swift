public import ChannelKit

extension SendOutcome {
    /// How a fixture writes a `.partial` outcome.
    public enum PartialFixtureShape: Sendable {
        /// A list of the recipients' outcomes, in order.
        case outcomes
        /// A list of `{recipient, outcome, …}`, in order.
        case recipientOutcomes
        /// `{outcome: partial, recipients: [{recipient, outcome, …}]}`.
        case recipientsObject
    }

    /// `{outcome, vendor_message_id | category, vendor_code, detail, after_seconds}`, absent fields omitted; a
    /// `.partial` is the list of its outcomes in order.
    public var fixtureJSON: JSONValue { fixtureJSON(partial: .outcomes) }

    /// ``fixtureJSON``, with a `.partial` in the given shape.
    public func fixtureJSON(partial shape: PartialFixtureShape) -> JSONValue {
        switch self {
        case .accepted(let id):
            var members: [String: JSONValue] = ["outcome": .string("accepted")]
            if let id { members["vendor_message_id"] = .string(id) }
            return .object(members)
        case .retry(let reason, let after):
            var members = reason.fixtureMembers
            members["outcome"] = .string("retry")
            if let after { members["after_seconds"] = .number(String(after.components.seconds)) }
            return .object(members)
        case .reject(let reason):
            var members = reason.fixtureMembers
            members["outcome"] = .string("reject")
            return .object(members)
        case .partial(let outcomes):
            guard shape != .outcomes else { return .array(outcomes.map(\.outcome.fixtureJSON)) }
            let recipients = JSONValue.array(
                outcomes.map { item in
                    guard case .object(var members) = item.outcome.fixtureJSON(partial: shape) else { return .null }
                    members["recipient"] = .string(item.recipient)
                    return .object(members)
                })
            guard shape == .recipientsObject else { return recipients }
            return .object(["outcome": .string("partial"), "recipients": recipients])
        }
    }
}
