import GatewayJSON

extension String {
    /// The text as a JSON string literal, quotes included (for the stub's hand-built replies and records).
    var jsonQuoted: String {
        var out = ""
        JSONValue.appendQuoted(self, to: &out)
        return out
    }
}
