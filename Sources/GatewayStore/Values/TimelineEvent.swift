public import ChannelKit

/// What an entry of a message's receipt timeline reports: a vendor receipt or call result, or an engagement
/// event the bank sent itself.
///
/// The raw value is the name the store keeps (`receipts.event`, `engagement_events.type`) and `status` shows, so
/// it must not change. ChannelKit's `Receipt.Event` is what an adapter parses; it carries a failure's reason and
/// has no `converted`, so the timeline needs its own closed list.
public enum TimelineEvent: String, CaseIterable, Sendable, Hashable {
    case delivered, failed, answered
    case noAnswer = "no_answer"
    case busy
    case invalidNumber = "invalid_number"
    case refused
    // Engagement (receipts, tracked links or the bank's `event` operation).
    case opened, clicked, converted

    /// The event a stored name denotes; a name this version does not know reads as `failed`, as the writer's
    /// receipt matching reads it.
    public init(stored name: String) {
        self = TimelineEvent(rawValue: name) ?? .failed
    }

    /// The timeline entry of an engagement event the bank reported; replies and custom events have none.
    public init?(_ kind: EngagementEvent.Kind) {
        switch kind {
        case .opened: self = .opened
        case .clicked: self = .clicked
        case .converted: self = .converted
        case .replied, .custom: return nil
        }
    }

    /// The timeline entry of a vendor receipt; its name is the one the store keeps for it.
    public init(_ event: Receipt.Event) {
        switch event {
        case .delivered: self = .delivered
        case .failed: self = .failed
        case .opened: self = .opened
        case .clicked: self = .clicked
        case .answered: self = .answered
        case .unanswered: self = .noAnswer
        case .busy: self = .busy
        case .invalidNumber: self = .invalidNumber
        case .refused: self = .refused
        }
    }
}
