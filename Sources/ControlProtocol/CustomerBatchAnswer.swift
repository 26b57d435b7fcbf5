public import GatewayJSON

/// `customer_batch`: one result per customer, in request order: its `customer` answer, or the error that refused
/// it (`{"ok":false,"error":{…}}`; the slot says which customer).
public struct CustomerBatchAnswer: ControlAnswer, Hashable {
    public var results: [Result<CustomerAnswer, ControlError>]

    public init(results: [Result<CustomerAnswer, ControlError>]) { self.results = results }

    public func appendFields(to line: inout String) {
        line += ",\"results\":["
        for (offset, result) in results.enumerated() {
            if offset > 0 { line += "," }
            switch result {
            case .success(let answer):
                line += "{\"ok\":true"
                answer.appendFields(to: &line)
                line += "}"
            case .failure(let error):
                line += "{\"ok\":false,\"error\":"
                error.appendJSON(to: &line)
                line += "}"
            }
        }
        line += "]"
    }

    /// Reads a batch answer; `nil` unless every result is a customer answer or an error with a known code.
    public init?(json: JSONValue) {
        guard case .array(let items)? = json["results"] else { return nil }
        var results: [Result<CustomerAnswer, ControlError>] = []
        results.reserveCapacity(items.count)
        for item in items {
            if item["ok"] == .bool(true), let answer = CustomerAnswer(json: item) {
                results.append(.success(answer))
            } else if let error = item["error"].flatMap(ControlError.init(json:)) {
                results.append(.failure(error))
            } else {
                return nil
            }
        }
        self.results = results
    }
}
