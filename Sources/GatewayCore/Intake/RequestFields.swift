import ChannelKit

/// The fields of an operator request, read with the field named in every error.
struct RequestFields {
    let request: [String: JSONValue]

    /// Refuses any field outside `allowed` (plus `op` and `id`).
    init(_ request: [String: JSONValue], allowed: Set<String>) throws(ControlError) {
        for key in request.keys.sorted() where key != "op" && key != "id" && !allowed.contains(key) {
            throw .badRequest("unknown field '\(key)'", field: key)
        }
        self.request = request
    }

    /// A non-empty string of at most `limit` bytes, or `nil` when absent.
    func text(_ key: String, limit: Int = 256) throws(ControlError) -> String? {
        guard let value = request[key], value != .null else { return nil }
        guard case .string(let text) = value, !text.isEmpty, text.utf8.count <= limit else {
            throw .badRequest("'\(key)' must be a non-empty string of at most \(limit) bytes", field: key)
        }
        return text
    }

    /// A boolean, `false` when absent.
    func flag(_ key: String) throws(ControlError) -> Bool {
        guard let value = request[key], value != .null else { return false }
        guard case .bool(let flag) = value else { throw .badRequest("'\(key)' must be true or false", field: key) }
        return flag
    }

    /// A whole number in `range`, or `nil` when absent.
    func integer(_ key: String, in range: ClosedRange<Int64>) throws(ControlError) -> Int64? {
        guard let value = request[key], value != .null else { return nil }
        guard case .number(let text) = value, let number = Int64(text), range.contains(number) else {
            throw .badRequest(
                "'\(key)' must be a whole number from \(range.lowerBound) to \(range.upperBound)", field: key)
        }
        return number
    }
}
