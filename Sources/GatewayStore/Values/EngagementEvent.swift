/// An engagement or business event the bank reports itself (the app opened a push, a customer converted), kept
/// once per `eventID`.
public struct EngagementEvent: Sendable {
    /// The event kinds the `event` operation takes; the raw value is the stored and shown name.
    public enum Kind: String, CaseIterable, Sendable {
        case opened, clicked, converted
    }

    /// The bank's id for the event: a repeat with the same id changes nothing.
    public var eventID: String
    /// The message it is about, if any.
    public var messageID: String?
    /// The customer it is about, if any.
    public var customer: String?
    /// What happened.
    public var type: Kind
    /// A value (an amount for a conversion), as given.
    public var value: String?
    /// When it happened (epoch ms).
    public var occurredAt: Int64
    /// Who reported it (`uid=…,pid=…`).
    public var client: String

    public init(
        eventID: String, messageID: String?, customer: String?, type: Kind, value: String?, occurredAt: Int64,
        client: String
    ) {
        self.eventID = eventID
        self.messageID = messageID
        self.customer = customer
        self.type = type
        self.value = value
        self.occurredAt = occurredAt
        self.client = client
    }
}
