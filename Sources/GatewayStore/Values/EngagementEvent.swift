/// An engagement or business event the bank reports itself (the app opened a push, a customer converted), kept
/// once per `eventID`.
public struct EngagementEvent: Sendable {
    /// The event kinds the `event` operation takes; the raw value is the stored and shown name.
    public enum Kind: String, CaseIterable, Sendable {
        case opened, clicked, converted
        /// The customer answered (an SMS reply that is not an opt-out keyword, or the bank's own report).
        case replied
        /// A name of the bank's own (`[a-z][a-z0-9_]{0,63}`), in ``EngagementEvent/customName``.
        case custom
    }

    /// The bank's id for the event: a repeat with the same id changes nothing.
    public var eventID: String
    /// The message it is about, if any.
    public var messageID: String?
    /// The customer it is about, if any.
    public var customer: String?
    /// What happened.
    public var type: Kind
    /// The channel type an `opened` about a customer concerns (its newest touch of that type); `nil` is
    /// `app_push`.
    public var channelType: String?
    /// The bank's name for a ``Kind/custom`` event (what strategies' `wait_for` and `exit_on` name).
    public var customName: String?
    /// A value (an amount for a conversion), as given.
    public var value: String?
    /// When it happened (epoch ms).
    public var occurredAt: Int64
    /// Who reported it (`uid=…,pid=…`).
    public var client: String

    public init(
        eventID: String, messageID: String?, customer: String?, type: Kind, value: String?, occurredAt: Int64,
        client: String, customName: String? = nil, channelType: String? = nil
    ) {
        self.channelType = channelType
        self.customName = customName
        self.eventID = eventID
        self.messageID = messageID
        self.customer = customer
        self.type = type
        self.value = value
        self.occurredAt = occurredAt
        self.client = client
    }

    /// The event's stored and matched name: the kind's, or the custom name.
    public var name: String { type == .custom ? (customName ?? "custom") : type.rawValue }
}
