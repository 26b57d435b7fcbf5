import ChannelKit
import Testing

@testable import GatewayCore

/// `MessageState` is the list `subscribe` and `gatewayctl tail --state` check names against: every state the
/// store writes or streams must be on it.
struct MessageStateTests {
    @Test func everyStateTheStoreStreamsIsListed() {
        let events: [Receipt.Event] = [
            .delivered, .failed(Reason(.unknown)), .opened, .clicked, .answered, .unanswered, .refused, .busy,
            .invalidNumber,
        ]
        var streamed = Set(events.map(StoreWriter.name(of:)))
        streamed.formUnion(events.compactMap { StoreWriter.transition(for: $0)?.state })
        for state in [AttemptRecord.State.queued, .sent, .failed, .expired] { streamed.insert(state.rawValue) }
        // Outcomes streamed under their own names (StoreWriter.write), and intake's deferred and suppressed.
        streamed.formUnion(["retrying", AttemptRecord.Outcome.failedOver.rawValue, "deferred", "suppressed"])
        #expect(streamed == Set(MessageState.names))
    }
}
