public import GatewayJSON

/// `send_batch`: one result per message, in request order: its send answer, or the error that refused it
/// (`{"ok":false,"error":{…}}`, without an `id`: the slot says which message).
public struct SendBatchAnswer: ControlAnswer, Hashable {
    public var results: [Result<SendAnswer, ControlError>]

    public init(results: [Result<SendAnswer, ControlError>]) { self.results = results }

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

    /// Reads a batch answer; `nil` unless every result is a send answer or an error with a known code.
    public init?(json: JSONValue) {
        guard case .array(let items)? = json["results"] else { return nil }
        var results: [Result<SendAnswer, ControlError>] = []
        results.reserveCapacity(items.count)
        for item in items {
            if item["ok"] == .bool(true), let answer = SendAnswer(json: item) {
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
