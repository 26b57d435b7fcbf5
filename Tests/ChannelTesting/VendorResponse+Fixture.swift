public import ChannelKit

extension VendorResponse {
    /// A reply from a fixture's `response.json`: `{status, headers: [[name, value]], body}`.
    public init(fixture json: JSONValue) {
        self.init(
            status: json["status"]?.intValue ?? 0,
            headers: HTTPHeader.fixtures(json["headers"]),
            body: Array((json["body"]?.stringValue ?? "").utf8)
        )
    }

    /// A reply with a JSON body.
    public static func json(_ text: String, status: Int = 200) -> VendorResponse {
        VendorResponse(
            status: status, headers: [HTTPHeader("Content-Type", "application/json")], body: Array(text.utf8))
    }
}
