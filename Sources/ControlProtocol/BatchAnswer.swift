public import GatewayJSON

/// A batch operation's answer: one result per item, in request order: the item's own answer, or the error that
/// refused it (`{"ok":false,"error":{…}}`, without an `id`: the slot says which item).
///
/// `send_batch`, `enrol_batch` and `customer_batch` share this one wire shape (``SendBatchAnswer``,
/// ``EnrolBatchAnswer``, ``CustomerBatchAnswer``).
public struct BatchAnswer<Item: BatchItemAnswer>: ControlAnswer, Hashable {
    public var results: [Result<Item, ControlError>]

    public init(results: [Result<Item, ControlError>]) { self.results = results }

    // Inlinable so the daemon's handlers get it specialized for their item type, not through witness tables.
    @inlinable
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

    /// Reads a batch answer; `nil` unless every result is an `Item` answer or an error with a known code.
    public init?(json: JSONValue) {
        guard case .array(let items)? = json["results"] else { return nil }
        var results: [Result<Item, ControlError>] = []
        results.reserveCapacity(items.count)
        for item in items {
            if item["ok"] == .bool(true), let answer = Item(json: item) {
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
