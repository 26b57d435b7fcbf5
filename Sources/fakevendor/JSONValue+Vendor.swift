import GatewayJSON

/// What the stub reads from vendor bodies, on the project's own parser (no Foundation on the event loops).
extension JSONValue {
    /// Parses a whole body; `nil` unless it is exactly one JSON value.
    static func parse(_ bytes: some Collection<UInt8>) -> JSONValue? {
        try? JSONParser.parse(bytes)
    }

    /// A string's text, or a number's digits (vendors' ids travel as either).
    var text: String? {
        switch self {
        case .string(let text), .number(let text): text
        default: nil
        }
    }

    var arrayValue: [JSONValue]? {
        if case .array(let items) = self { return items }
        return nil
    }
}
