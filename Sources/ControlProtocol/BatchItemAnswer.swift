public import GatewayJSON

/// An answer that can stand in one slot of a ``BatchAnswer``: written with its own fields and read back alone.
public protocol BatchItemAnswer: ControlAnswer, Hashable {
    /// Reads the answer's fields from its slot; `nil` if they are not this answer.
    init?(json: JSONValue)
}
