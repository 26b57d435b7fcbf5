/// Why a send failed or is being retried: a bounded category plus the vendor's own code and detail.
public struct Reason: Sendable, Hashable, CustomStringConvertible {
    /// The bounded category, safe for metric labels.
    public var category: ReasonCategory
    /// The vendor's own error code, if it gave one (e.g. `isv.MOBILE_NUMBER_ILLEGAL`, `40001`).
    public var vendorCode: String?
    /// A short human-readable explanation. Must never contain a secret.
    public var detail: String?

    /// - Parameters:
    ///   - category: the bounded category.
    ///   - vendorCode: the vendor's code, if any.
    ///   - detail: a short explanation, if any.
    public init(_ category: ReasonCategory, vendorCode: String? = nil, detail: String? = nil) {
        self.category = category
        self.vendorCode = vendorCode
        self.detail = detail
    }

    public var description: String {
        var text = category.name
        if let vendorCode { text += " [\(vendorCode)]" }
        if let detail { text += ": \(detail)" }
        return text
    }
}
