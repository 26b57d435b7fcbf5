public import GatewayJSON

/// The envelope every answer shares: `{"ok":true,"id":…` or `{"ok":false,"id":…,"error":{…}}`.
public enum AnswerLine {
    /// `{"ok":true` and the `id` when the request had one; the caller appends its fields and `}`.
    public static func opening(id: JSONValue?) -> String {
        var line = "{\"ok\":true"
        appendID(id, to: &line)
        return line
    }

    /// `,"id":…` when the request had an id.
    public static func appendID(_ id: JSONValue?, to line: inout String) {
        guard let id else { return }
        line += ",\"id\":"
        id.write(to: &line)
    }

    /// An error answer.
    public static func error(id: JSONValue?, _ error: ControlError) -> String {
        var line = "{\"ok\":false"
        appendID(id, to: &line)
        line += ",\"error\":"
        error.appendJSON(to: &line)
        line += "}"
        return line
    }

    /// Appends `,"key":[…]` for a list of strings.
    public static func appendList(_ key: String, _ names: [String], to line: inout String) {
        line += ",\"\(key)\":["
        for (offset, name) in names.enumerated() {
            if offset > 0 { line += "," }
            JSONValue.appendQuoted(name, to: &line)
        }
        line += "]"
    }

    /// The strings of a list member of an answer; `nil` when it is not a list of strings.
    static func strings(_ value: JSONValue?) -> [String]? {
        guard case .array(let items)? = value else { return nil }
        var names: [String] = []
        for item in items {
            guard case .string(let name) = item else { return nil }
            names.append(name)
        }
        return names
    }
}
