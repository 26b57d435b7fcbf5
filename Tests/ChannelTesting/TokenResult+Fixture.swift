public import ChannelKit

extension TokenResult {
    /// `{result: issued, token, expires_at_ms}` or `{result: failed, category, vendor_code, detail}`, as in
    /// `token.expected.json`.
    public var fixtureJSON: JSONValue {
        switch self {
        case .issued(let token):
            return .object([
                "result": .string("issued"), "token": .string(token.value.reveal()),
                "expires_at_ms": .number(String(token.expiresAtMilliseconds)),
            ])
        case .failed(let reason):
            var members = reason.fixtureMembers
            members["result"] = .string("failed")
            return .object(members)
        }
    }
}
