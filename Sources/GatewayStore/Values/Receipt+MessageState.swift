package import ChannelKit
package import ControlProtocol

extension Receipt.Event {
    /// The message state this event moves a sent message to, and its reason, if any (both backends).
    package var transition: (state: MessageState, reason: Reason?)? {
        switch self {
        case .delivered: (.delivered, nil)
        case .failed(let reason): (.failed, reason)
        case .answered: (.answered, nil)
        case .unanswered: (.noAnswer, nil)
        case .busy: (.busy, nil)
        case .invalidNumber: (.invalidNumber, Reason(.invalidRecipient, detail: "the number does not exist"))
        case .refused: (.refused, nil)
        case .opened, .clicked: nil  // engagement: kept in the timeline, the delivery state stays
        }
    }

    /// The state this event is streamed as; its raw value is the event's stored name (`receipts.event`).
    package var streamedState: MessageState {
        switch self {
        case .delivered: .delivered
        case .failed: .failed
        case .opened: .opened
        case .clicked: .clicked
        case .answered: .answered
        case .unanswered: .noAnswer
        case .busy: .busy
        case .invalidNumber: .invalidNumber
        case .refused: .refused
        }
    }
}
