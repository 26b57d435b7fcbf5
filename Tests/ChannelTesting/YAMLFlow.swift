public import ChannelKit

/// JSON settings written as YAML for the real loader: one flow collection (`{key: value, …}`), keys sorted,
/// strings double-quoted (JSON's escapes are YAML's), so golden settings load as an operator's file would.
public enum YAMLFlow {
    /// `value` as one line of YAML flow style.
    public static func text(_ value: JSONValue) -> String {
        var output = ""
        write(value, to: &output)
        return output
    }

    private static func write(_ value: JSONValue, to output: inout String) {
        switch value {
        case .null, .bool, .number, .string: value.write(to: &output)
        case .array(let items):
            output += "["
            for (offset, item) in items.enumerated() {
                if offset > 0 { output += ", " }
                write(item, to: &output)
            }
            output += "]"
        case .object(let members):
            output += "{"
            for (offset, key) in members.keys.sorted().enumerated() {
                if offset > 0 { output += ", " }
                JSONValue.appendQuoted(key, to: &output)
                output += ": "
                write(members[key]!, to: &output)
            }
            output += "}"
        }
    }
}
