/// The business category of a message, which policies (caps, quiet hours, priority) key on.
public struct MessageCategory: Sendable, Hashable, CustomStringConvertible {
    private enum Code: String, Sendable, CaseIterable {
        case critical, transactional, marketing
    }

    private let code: Code
    private init(_ code: Code) { self.code = code }

    /// Security codes and fraud alerts: only ever limited by vendor rate limits.
    public static let critical = MessageCategory(.critical)
    /// Account notices. The default.
    public static let transactional = MessageCategory(.transactional)
    /// Campaigns: subject to opt-outs, caps and quiet hours.
    public static let marketing = MessageCategory(.marketing)

    /// Every category, in priority order.
    public static let all: [MessageCategory] = Code.allCases.map(MessageCategory.init)

    /// The wire name (`critical`, `transactional`, `marketing`).
    public var name: String { code.rawValue }
    public var description: String { code.rawValue }

    /// Parses a wire name.
    public init?(name: String) {
        guard let code = Code(rawValue: name) else { return nil }
        self.code = code
    }
}
