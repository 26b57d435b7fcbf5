public import GatewayJSON

/// `consent`: a subject's standing opt-outs and its consent log.
public struct ConsentRequest: Sendable, Hashable {
    public var subject: ConsentSubject

    public init(subject: ConsentSubject) { self.subject = subject }

    public init(decoding fields: RequestFields) throws(ControlError) {
        try fields.refuseUnknown(["op", "id", "customer", "to"])
        subject = try ConsentSubject(decoding: fields)
    }

    public var members: [String: JSONValue] { subject.members }
}
