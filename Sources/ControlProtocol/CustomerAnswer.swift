public import GatewayJSON

/// `customer`: the directory entry is committed; whether it was new.
public struct CustomerAnswer: ControlAnswer, Hashable {
    /// What the request did; the raw value is the wire name.
    public enum State: String, Sendable, Hashable {
        case created, updated
    }

    public var customer: String
    public var state: State

    public init(customer: String, state: State) {
        self.customer = customer
        self.state = state
    }

    public func appendFields(to line: inout String) {
        line += ",\"customer\":"
        JSONValue.appendQuoted(customer, to: &line)
        line += ",\"state\":\"\(state.rawValue)\""
    }

    public init?(json: JSONValue) {
        guard case .string(let customer)? = json["customer"], case .string(let name)? = json["state"],
            let state = State(rawValue: name)
        else { return nil }
        self.init(customer: customer, state: state)
    }
}
