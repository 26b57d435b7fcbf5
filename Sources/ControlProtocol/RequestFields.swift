public import GatewayJSON

/// The fields of one request object, read with the field's path in every error (`messages[2].to` inside a
/// batch); what each operation's request type decodes from.
public struct RequestFields {
    /// The object as parsed.
    public let members: [String: JSONValue]
    /// Put before every field name in errors: empty at the top level, `messages[N].` inside a batch.
    public let prefix: String

    /// Takes an object without checking its keys.
    public init(_ members: [String: JSONValue], prefix: String = "") {
        self.members = members
        self.prefix = prefix
    }

    /// Refuses any field outside `allowed` (plus `op` and `id`), naming the first in sorted order.
    public init(_ members: [String: JSONValue], allowed: Set<String>) throws(ControlError) {
        for key in members.keys.sorted() where key != "op" && key != "id" && !allowed.contains(key) {
            throw .badRequest("unknown field '\(key)'", field: key)
        }
        self.init(members)
    }

    /// Refuses any field outside `allowed` (which lists `op` and `id` itself), naming the first met.
    public func refuseUnknown(_ allowed: Set<String>) throws(ControlError) {
        for key in members.keys where !allowed.contains(key) {
            throw .badRequest("unknown field '\(key)'", field: prefix + key)
        }
    }

    /// The value of `key`, `nil` when absent or `null`.
    public subscript(key: String) -> JSONValue? {
        guard let value = members[key], value != .null else { return nil }
        return value
    }

    /// A string of at most `limit` bytes (empty allowed), or `nil` when absent.
    public func string(_ key: String, limit: Int = 4096) throws(ControlError) -> String? {
        guard let value = self[key] else { return nil }
        guard case .string(let text) = value else {
            throw .badRequest("'\(key)' must be a string, found \(value.typeName)", field: prefix + key)
        }
        guard text.utf8.count <= limit else {
            throw .badRequest("'\(key)' is longer than \(limit) bytes", field: prefix + key)
        }
        return text
    }

    /// A non-empty string of at most `limit` bytes, or `nil` when absent.
    public func text(_ key: String, limit: Int = 256) throws(ControlError) -> String? {
        guard let value = self[key] else { return nil }
        guard case .string(let text) = value, !text.isEmpty, text.utf8.count <= limit else {
            throw .badRequest("'\(key)' must be a non-empty string of at most \(limit) bytes", field: prefix + key)
        }
        return text
    }

    /// A boolean, `false` when absent.
    public func flag(_ key: String) throws(ControlError) -> Bool {
        guard let value = self[key] else { return false }
        guard case .bool(let flag) = value else {
            throw .badRequest("'\(key)' must be true or false", field: prefix + key)
        }
        return flag
    }

    /// A whole number in `range`, or `nil` when absent.
    public func integer(_ key: String, in range: ClosedRange<Int64>) throws(ControlError) -> Int64? {
        guard let value = self[key] else { return nil }
        guard case .number(let text) = value, let number = Int64(text), range.contains(number) else {
            throw .badRequest(
                "'\(key)' must be a whole number from \(range.lowerBound) to \(range.upperBound)", field: prefix + key)
        }
        return number
    }

    /// A time as the client wrote it, or `nil` when absent; the daemon parses it (RFC 3339 needs its clock).
    /// - Parameter past: whether `key` takes a past time (`since`), whose error names that grammar.
    public func time(_ key: String, past: Bool = false) throws(ControlError) -> TimeInput? {
        switch self[key] {
        case nil: return nil
        case .string(let text)?: return .text(text)
        case .number(let text)?: return .number(text)
        default: throw past ? TimeInput.pastError(field: prefix + key) : TimeInput.timeError(key, field: prefix + key)
        }
    }
}
