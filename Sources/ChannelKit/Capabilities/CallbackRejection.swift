/// Why a callback failed its check, for the core's log; never carries a secret or the signature expected.
public struct CallbackRejection: Error, Sendable, Hashable, CustomStringConvertible {
    /// What was wrong, in a few words.
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
