import ChannelKit
import ControlProtocol
import Foundation
import Testing

@testable import GatewayCore
@testable import GatewayStore

/// `MessageState` is the list `subscribe` and `gatewayctl tail --state` check names against. The store streams
/// only `MessageState` values (`StateChange.state`, `StoreWriter.emit` and the stored receipt events are typed),
/// so every streamed state is on the list by construction; this checks the converse: every listed state is
/// streamed by something, or the list (and gatewayctl(1)'s tail states) promises a state no client will ever see.
struct MessageStateTests {
    @Test func everyStateTheStoreStreamsIsListed() {
        let events: [Receipt.Event] = [
            .delivered, .failed(Reason(.unknown)), .opened, .clicked, .answered, .unanswered, .refused, .busy,
            .invalidNumber,
        ]
        var streamed = Set(events.map(StoreWriter.state(of:)))
        streamed.formUnion(events.compactMap { StoreWriter.transition(for: $0)?.state })
        streamed.formUnion(AttemptRecord.State.allCases.map(\.messageState))
        // Outcomes streamed under their own names (StoreWriter.write), and intake's deferred and suppressed.
        streamed.formUnion([.retrying, .failedOver, .deferred, .suppressed])
        streamed.formUnion(Self.emittedStates())
        #expect(Set(MessageState.allCases).subtracting(streamed).isEmpty, "in MessageState but never streamed")
        // The stored receipt event names are the states' wire names (`receipts.event`, the receipt key hash).
        #expect(
            events.map { StoreWriter.state(of: $0).rawValue } == [
                "delivered", "failed", "opened", "clicked", "answered", "no_answer", "refused", "busy",
                "invalid_number",
            ])
    }

    /// The states the store's sources stream by name (`emit(…, state: .x, …)`), so a state added in a new
    /// operation is counted too. The case names are checked against `MessageState` by the compiler already.
    static func emittedStates() -> Set<MessageState> {
        let byCaseName = Dictionary(uniqueKeysWithValues: MessageState.allCases.map { (String(describing: $0), $0) })
        let store = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/GatewayStore/SQLite").path
        var states: Set<MessageState> = []
        for name in (try? FileManager.default.contentsOfDirectory(atPath: store)) ?? [] where name.hasSuffix(".swift") {
            let text = (try? String(contentsOfFile: store + "/" + name, encoding: .utf8)) ?? ""
            for line in text.split(separator: "\n") where line.contains("emit(") {
                guard let marker = line.range(of: "state: .") else { continue }
                let caseName = String(line[marker.upperBound...].prefix { $0.isLetter || $0.isNumber })
                if let state = byCaseName[caseName] { states.insert(state) }
            }
        }
        return states
    }
}
