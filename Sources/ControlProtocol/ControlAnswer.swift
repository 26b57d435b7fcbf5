public import GatewayJSON

/// An `ok` answer's own fields: it appends them after `{"ok":true` and the echoed `id`, with the daemon's fast
/// hand-written encoder, and a client reads them back with `init?(json:)`.
public protocol ControlAnswer: Sendable {
    /// Appends `,"key":value…` (the fields after `ok` and `id`).
    func appendFields(to line: inout String)
}

extension ControlAnswer {
    /// The whole answer line (without its newline).
    public func line(id: JSONValue?) -> String {
        var line = AnswerLine.opening(id: id)
        appendFields(to: &line)
        line += "}"
        return line
    }
}
