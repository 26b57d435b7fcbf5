public import ChannelKit

extension JSONValue {
    /// This outcome with `detail` dropped unless `expected` pins one: some oracle tables fix outcome, category,
    /// vendor code and delay, while most details are the adapter's own prose.
    public func droppingDetail(unlessPinnedBy expected: JSONValue) -> JSONValue {
        guard case .object(var members) = self, expected["detail"] == nil else { return self }
        members["detail"] = nil
        return .object(members)
    }
}
