import ChannelKit

/// Small JSON encoding helpers for hand-built answer lines.
enum JSONLine {
    /// Appends `text` as a JSON string.
    static func quote(_ text: String, into line: inout String) {
        JSONValue.appendQuoted(text, to: &line)
    }
}
