public import GatewayJSON

/// `subscribe`: every committed change as a line (message states, and runs, tags and conversions of strategies),
/// optionally filtered, optionally first the current state of messages changed since a time.
public struct SubscribeRequest: Sendable, Hashable {
    /// Instance names; `nil` is all.
    public var channels: Set<String>?
    /// Category names; `nil` is all.
    public var categories: Set<String>?
    /// `nil` is all.
    public var states: Set<MessageState>?
    public var since: TimeInput?
    /// Which kinds of line; `nil` is all.
    public var kinds: Set<ChangeKind>?

    public init(
        channels: Set<String>? = nil, categories: Set<String>? = nil, states: Set<MessageState>? = nil,
        since: TimeInput? = nil, kinds: Set<ChangeKind>? = nil
    ) {
        self.channels = channels
        self.categories = categories
        self.states = states
        self.since = since
        self.kinds = kinds
    }

    public init(decoding fields: RequestFields) throws(ControlError) {
        try fields.refuseUnknown(["op", "id", "channels", "categories", "states", "since", "kinds"])
        channels = try Self.names(fields["channels"], field: "channels")
        categories = try Self.names(fields["categories"], field: "categories")
        states = nil
        if let names = try Self.names(fields["states"], field: "states") {
            var states: Set<MessageState> = []
            for name in names {
                // A misspelt state would match nothing and the stream would stay silent for ever.
                guard let state = MessageState(rawValue: name) else {
                    throw .badRequest(
                        "unknown state '\(name)'; expected one of: " + MessageState.names.joined(separator: ", "),
                        field: "states")
                }
                states.insert(state)
            }
            self.states = states
        }
        since = try fields.time("since", past: true)
        kinds = nil
        if let names = try Self.names(fields["kinds"], field: "kinds") {
            var kinds: Set<ChangeKind> = []
            for name in names {
                // As for states: a misspelt kind would keep the stream silent.
                guard let kind = ChangeKind(rawValue: name) else {
                    throw .badRequest(
                        "unknown kind '\(name)'; expected one of: " + ChangeKind.names.joined(separator: ", "),
                        field: "kinds")
                }
                kinds.insert(kind)
            }
            self.kinds = kinds
        }
    }

    /// A filter list: a string or an array of strings; `nil` when absent.
    private static func names(_ value: JSONValue?, field: String) throws(ControlError) -> Set<String>? {
        switch value {
        case nil: return nil
        case .string(let name)?: return [name]
        case .array(let items)?:
            var names: Set<String> = []
            for item in items {
                guard case .string(let name) = item else {
                    throw .badRequest("'\(field)' must be a string or a list of strings", field: field)
                }
                names.insert(name)
            }
            return names
        default: throw .badRequest("'\(field)' must be a string or a list of strings", field: field)
        }
    }

    public var members: [String: JSONValue] {
        var members: [String: JSONValue] = [:]
        members["channels"] = channels.map { .array($0.sorted().map(JSONValue.string)) }
        members["categories"] = categories.map { .array($0.sorted().map(JSONValue.string)) }
        members["states"] = states.map { .array($0.map(\.rawValue).sorted().map(JSONValue.string)) }
        members["since"] = since?.json
        members["kinds"] = kinds.map { .array($0.map(\.rawValue).sorted().map(JSONValue.string)) }
        return members
    }
}
