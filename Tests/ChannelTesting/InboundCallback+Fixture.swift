public import ChannelKit

extension InboundCallback {
    /// A vendor callback from a fixture's `callback.json`: `{method, path, headers: [[name, value]], body}`.
    public init(fixture json: JSONValue) {
        self.init(
            method: json["method"]?.stringValue ?? "POST",
            path: json["path"]?.stringValue ?? "",
            headers: HTTPHeader.fixtures(json["headers"]),
            body: Array((json["body"]?.stringValue ?? "").utf8)
        )
    }
}
