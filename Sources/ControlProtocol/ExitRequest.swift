public import GatewayJSON

/// `exit`: ends a run at once, also mid-wait: by its id, or the customer's active run of a strategy.
public struct ExitRequest: Sendable, Hashable {
    public enum Target: Sendable, Hashable {
        case run(Int64)
        case customer(String, strategy: String)
    }

    public var target: Target

    public init(_ target: Target) { self.target = target }

    public init(decoding fields: RequestFields) throws(ControlError) {
        try fields.refuseUnknown(["op", "id", "run_id", "customer", "strategy"])
        let runID = try fields.integer("run_id", in: 1...Int64.max)
        let customer = try fields.text("customer")
        let strategy = try fields.text("strategy", limit: 64)
        switch (runID, customer, strategy) {
        case (let runID?, nil, nil): target = .run(runID)
        case (nil, let customer?, let strategy?): target = .customer(customer, strategy: strategy)
        case (nil, _?, nil):
            throw .badRequest("missing field 'strategy' (exit by customer names the strategy)", field: "strategy")
        case (nil, nil, _?): throw .badRequest("missing field 'customer'", field: "customer")
        default: throw .badRequest("exit needs either 'run_id' or 'customer' and 'strategy'", field: "run_id")
        }
    }

    public var members: [String: JSONValue] {
        switch target {
        case .run(let runID): ["run_id": .number(String(runID))]
        case .customer(let customer, let strategy): ["customer": .string(customer), "strategy": .string(strategy)]
        }
    }
}
