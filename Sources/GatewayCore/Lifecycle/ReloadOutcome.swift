/// What a configuration reload did, or why it did nothing.
public struct ReloadOutcome: Sendable {
    /// Whether the new configuration was valid and is now in effect.
    public var succeeded: Bool
    /// Instances started by the reload.
    public var added: [String] = []
    /// Instances whose settings changed (their queues carry on).
    public var changed: [String] = []
    /// Instances removed (their queued messages are held in the store).
    public var removed: [String] = []
    /// Errors (on failure) or warnings (e.g. settings that need a restart), as `file:line:column: …` lines.
    public var issues: [String] = []

    public init(
        succeeded: Bool, added: [String] = [], changed: [String] = [], removed: [String] = [], issues: [String] = []
    ) {
        self.succeeded = succeeded
        self.added = added
        self.changed = changed
        self.removed = removed
        self.issues = issues
    }
}
