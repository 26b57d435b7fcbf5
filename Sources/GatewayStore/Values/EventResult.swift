/// What the store did with an event.
public enum EventResult: Sendable {
    /// Kept.
    case recorded
    /// Its id was seen before; nothing changed.
    case duplicate
    /// It names a message the store does not know.
    case unknownMessage
}
