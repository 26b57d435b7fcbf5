/// A secret value (API key, password, token) that never prints itself.
///
/// `description`, `debugDescription` and reflection all show `<redacted>`, so a secret that ends up in a log
/// line, an error message or a `dump` reveals nothing. Call ``reveal()`` only where the value goes on the wire.
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    private let value: String

    /// Wraps a secret value.
    public init(_ value: String) {
        self.value = value
    }

    /// The secret itself, for building a vendor request. Never log the result.
    public func reveal() -> String { value }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "Secret(<redacted>)" }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
