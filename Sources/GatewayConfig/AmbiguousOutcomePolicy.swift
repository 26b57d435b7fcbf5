/// What an instance does when a vendor request went out and no answer came back (a timeout or a reset after the
/// request was written): the vendor may have accepted it, so resending may reach the customer twice.
///
/// The `on_ambiguous` key of a `channels.d` file: `retry` (the default) or `fail`. An instance with `poll_receipts`
/// first asks the vendor whether it took the message; the policy decides only when the vendor cannot say.
///
/// The default is `retry` because an acknowledged message must not quietly end unsent: for the one-time
/// passwords, fraud alerts and transaction notices most instances carry, a duplicate costs a customer far less
/// than a miss, and ambiguous outcomes are rare (counted in `/metrics` and marked in `status`). Instances that
/// carry marketing, where a duplicate is a complaint and a miss costs little, should set `fail`.
public struct AmbiguousOutcomePolicy: Sendable, Hashable, CustomStringConvertible {
    private enum Code: String, Sendable, CaseIterable {
        case retry
        case fail
    }

    private let code: Code

    private init(_ code: Code) { self.code = code }

    /// Resend with the instance's `retry:` policy, as for a failure that never reached the vendor.
    public static let retry = AmbiguousOutcomePolicy(.retry)
    /// End the message as failed without resending it.
    public static let fail = AmbiguousOutcomePolicy(.fail)

    /// Every value's name, as written in configuration.
    public static let names: [String] = Code.allCases.map(\.rawValue)

    /// The name used in configuration.
    public var name: String { code.rawValue }

    public var description: String { code.rawValue }

    /// Parses a name as written in configuration.
    public init?(name: String) {
        guard let code = Code(rawValue: name) else { return nil }
        self.code = code
    }
}
