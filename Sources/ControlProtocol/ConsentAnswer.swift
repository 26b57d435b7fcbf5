public import GatewayJSON

/// `consent`: a subject's standing opt-outs and its log.
public struct ConsentAnswer: ControlAnswer, Hashable {
    /// `customer` or `address`: the answer's key for the subject.
    public var subjectKind: String
    public var subject: String
    /// `all` or channel types.
    public var optedOut: [String]
    public var log: [ConsentLogEntry]

    public init(subjectKind: String, subject: String, optedOut: [String], log: [ConsentLogEntry]) {
        self.subjectKind = subjectKind
        self.subject = subject
        self.optedOut = optedOut
        self.log = log
    }

    /// Reads a `consent` answer; `nil` when it is not one or an entry of its log cannot be read whole.
    public init?(json: JSONValue) {
        guard let log = ConsentLogEntry.entries(json["log"]) else { return nil }
        let kind = json["customer"] != nil ? "customer" : "address"
        self.init(
            subjectKind: kind, subject: json[kind]?.stringValue ?? "",
            optedOut: AnswerLine.strings(json["opted_out"]) ?? [], log: log)
    }

    public func appendFields(to line: inout String) {
        line += ",\"\(subjectKind)\":"
        JSONValue.appendQuoted(subject, to: &line)
        AnswerLine.appendList("opted_out", optedOut, to: &line)
        line += ",\"log\":"
        ConsentLogEntry.appendList(log, to: &line)
    }
}
