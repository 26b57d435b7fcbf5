/// A vendor's error codes and how each is treated, written as a dictionary literal of ``VendorCodeRule``s:
///
/// ```swift
/// static let codeRules: VendorCodeTable = [
///     "isp.SYSTEM_ERROR": .retry(.vendorUnavailable),
///     "isv.MOBILE_NUMBER_ILLEGAL": .reject(.invalidRecipient),
/// ]
/// ```
///
/// Each profile's table cites its sources in its doc comment and has a golden fixture per row; what a profile
/// does with a code the table lacks (HTTP status, code family) stays in the profile.
public struct VendorCodeTable: Sendable, ExpressibleByDictionaryLiteral, Sequence {
    private let rules: [String: VendorCodeRule]

    /// A repeated code is a programming error and traps, as a dictionary literal does.
    public init(dictionaryLiteral elements: (String, VendorCodeRule)...) {
        rules = Dictionary(uniqueKeysWithValues: elements)
    }

    /// The rule for `code`, or `nil` when the table does not list it.
    public subscript(code: String) -> VendorCodeRule? { rules[code] }

    /// Every code the table lists.
    public var keys: Dictionary<String, VendorCodeRule>.Keys { rules.keys }

    /// The number of codes.
    public var count: Int { rules.count }

    public func makeIterator() -> Dictionary<String, VendorCodeRule>.Iterator { rules.makeIterator() }
}
