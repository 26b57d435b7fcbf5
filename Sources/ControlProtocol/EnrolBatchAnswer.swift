public import GatewayJSON

/// `enrol_batch`: one result per customer, in request order: its enrol answer, or the error that refused it
/// (`{"ok":false,"error":{…}}`: the slot says which customer).
public struct EnrolBatchAnswer: ControlAnswer, Hashable {
    public var results: [Result<EnrolAnswer, ControlError>]

    public init(results: [Result<EnrolAnswer, ControlError>]) { self.results = results }

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

    /// Reads a batch answer; `nil` unless every result is an enrol answer or an error with a known code.
    public init?(json: JSONValue) {
        guard case .array(let items)? = json["results"] else { return nil }
        var results: [Result<EnrolAnswer, ControlError>] = []
        results.reserveCapacity(items.count)
        for item in items {
            if item["ok"] == .bool(true), let answer = EnrolAnswer(json: item) {
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
