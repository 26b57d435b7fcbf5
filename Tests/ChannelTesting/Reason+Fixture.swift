public import ChannelKit

extension Reason {
    /// `{category, vendor_code, detail}`, absent fields omitted.
    public var fixtureMembers: [String: JSONValue] {
        var members: [String: JSONValue] = ["category": .string(category.name)]
        if let vendorCode { members["vendor_code"] = .string(vendorCode) }
        if let detail { members["detail"] = .string(detail) }
        return members
    }
}
