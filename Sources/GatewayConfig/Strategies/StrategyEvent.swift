/// An event a run can wait for or exit on: a built-in, or a custom name the bank sends with `event`.
public enum StrategyEvent: Sendable, Hashable, CustomStringConvertible {
    case delivered, opened, clicked, replied, converted
    /// The customer opted out (API, SMS keyword, call refusal); only meaningful in `exit_on`.
    case optedOut
    /// A custom event name, `[a-z][a-z0-9_]{0,63}`.
    case custom(String)

    /// Parses the configuration and wire name; anything matching the custom pattern is a custom event.
    public init?(_ name: String) {
        switch name {
        case "delivered": self = .delivered
        case "opened": self = .opened
        case "clicked": self = .clicked
        case "replied": self = .replied
        case "converted": self = .converted
        case "opted_out": self = .optedOut
        default:
            guard Self.isCustomName(name) else { return nil }
            self = .custom(name)
        }
    }

    /// The stored and wire name.
    public var description: String {
        switch self {
        case .delivered: "delivered"
        case .opened: "opened"
        case .clicked: "clicked"
        case .replied: "replied"
        case .converted: "converted"
        case .optedOut: "opted_out"
        case .custom(let name): name
        }
    }

    /// Whether `name` is a valid custom event name: `[a-z][a-z0-9_]{0,63}`.
    public static func isCustomName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, bytes.count <= 64, first >= 0x61, first <= 0x7A else { return false }
        return bytes.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F }
    }
}
