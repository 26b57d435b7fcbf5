import ControlProtocol
import ChannelKit
import Foundation
import Testing

@testable import GatewayCore

/// `MessageState` is the list `subscribe` and `gatewayctl tail --state` check names against: every state the
/// store writes or streams must be on it, or a client could never filter on it.
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
        streamed.formUnion(Self.literalStates())
        #expect(
            streamed.subtracting(MessageState.names).isEmpty,
            "streamed but not in MessageState (add them there and to gatewayctl(1)'s tail states)")
        #expect(Set(MessageState.names).subtracting(streamed).isEmpty, "in MessageState but never streamed")
    }

    /// The literal states the store's sources stream (`emit(…, state: "x", …)`), so a state added in a new
    /// operation is caught too.
    static func literalStates() -> Set<String> {
        let store = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/GatewayCore/Store").path
        var states: Set<String> = []
        for name in (try? FileManager.default.contentsOfDirectory(atPath: store)) ?? [] where name.hasSuffix(".swift") {
            let text = (try? String(contentsOfFile: store + "/" + name, encoding: .utf8)) ?? ""
            for line in text.split(separator: "\n") where line.contains("emit(") {
                guard let marker = line.range(of: "state: \"") else { continue }
                states.insert(String(line[marker.upperBound...].prefix { $0 != "\"" }))
            }
        }
        return states
    }
}
