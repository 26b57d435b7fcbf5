/// One HTTP header field, in the order it is sent or was received.
public struct HTTPHeader: Sendable, Hashable {
    /// The field name, as written.
    public var name: String
    /// The field value.
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

extension Array where Element == HTTPHeader {
    /// The first value of a header, matched case-insensitively.
    public func value(named name: String) -> String? {
        let wanted = name.lowercased()
        return first { $0.name.lowercased() == wanted }?.value
    }
}
