/// The kinds of line a `subscribe` stream and the outbox carry (design §11); `subscribe`'s `kinds` filters on
/// them. The raw value is the line's `event`.
public enum ChangeKind: String, CaseIterable, Sendable {
    /// A message moved to a state (`{"event":"state",…}`).
    case state
    /// A run moved: enrolled, advanced, finished (`{"event":"run",…}`).
    case run
    /// A customer's tag was added or removed, by a step or by affinity (`{"event":"tag",…}`).
    case tag
    /// A goal event was credited to a strategy (`{"event":"conversion",…}`).
    case conversion
    /// A customer was forgotten (`{"event":"forget","customer_hash":…}`), so the bank's CRM can erase too.
    case forget

    /// Every kind's name, in declaration order, for error messages and documentation.
    public static var names: [String] { allCases.map(\.rawValue) }
}
