public import ChannelKit

extension VendorRequest {
    /// `{method, url, headers: [[name, value]], body}` with the body as text, as in `request.expected.json`.
    public var fixtureJSON: JSONValue { fixtureJSON(includingHTTP2: false) }

    /// ``fixtureJSON``, plus `http2` when the fixtures pin it (APNs and FCM).
    public func fixtureJSON(includingHTTP2: Bool) -> JSONValue {
        var members: [String: JSONValue] = [
            "method": .string(method),
            "url": .string(url),
            "headers": .array(headers.map { .array([.string($0.name), .string($0.value)]) }),
            "body": .string(String(decoding: body, as: UTF8.self)),
        ]
        if includingHTTP2 { members["http2"] = .bool(requiresHTTP2) }
        return .object(members)
    }
}
