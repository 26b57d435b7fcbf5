/// Who may enter a strategy: once per customer ever, or again after some time since the last entry.
/// A customer never has two active runs of one strategy.
public enum EntryRule: Sendable, Equatable {
    case once
    case reenterAfter(Duration)
}
