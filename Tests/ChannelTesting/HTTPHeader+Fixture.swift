public import ChannelKit

extension HTTPHeader {
    /// The headers of a fixture's `[[name, value]]` list; pairs of another length are skipped.
    public static func fixtures(_ json: JSONValue?) -> [HTTPHeader] {
        var headers: [HTTPHeader] = []
        if case .array(let pairs)? = json {
            for case .array(let pair) in pairs where pair.count == 2 {
                headers.append(HTTPHeader(pair[0].stringValue ?? "", pair[1].stringValue ?? ""))
            }
        }
        return headers
    }
}
