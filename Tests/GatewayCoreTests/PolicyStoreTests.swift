import ChannelKit
import ControlProtocol
import Foundation
import GatewayConfig
import Logging
import Synchronization
import Testing

@testable import GatewayCore
@testable import GatewayStore

/// Policies as the store applies them inside the accepting transaction, with an injected clock.
struct PolicyStoreTests {
    static let start: Int64 = 1_795_449_600_000 + 10 * 3_600_000  // 10:00 in Shanghai
    static let day: Int64 = 86_400_000

    final class Fixture {
        let clock = ManualWallClock(PolicyStoreTests.start)
        let directory = NSTemporaryDirectory() + "cg-policy-" + UUID().uuidString
        var store: SQLiteMessageStore
        let policy: PolicyConfiguration
        private var counter = 0

        init(_ policy: PolicyConfiguration) throws {
            self.policy = policy
            store = try SQLiteMessageStore(
                directory: directory, dedupWindow: .seconds(86_400), maxPendingAccepts: 1000, clock: clock,
                logger: Logger(label: "test"))
            store.setPolicy(policy)
        }

        func reopen() throws {
            store.close()
            store = try SQLiteMessageStore(
                directory: directory, dedupWindow: .seconds(86_400), maxPendingAccepts: 1000, clock: clock,
                logger: Logger(label: "test"))
            store.setPolicy(policy)
        }

        func send(
            _ category: MessageCategory, to recipient: String = "13800138000", customer: String? = "C1",
            type: String = "sms", onCap: AcceptRequest.CapAction = .suppress
        ) -> AcceptResult? {
            counter += 1
            let message = OutboundMessage(
                id: "m\(counter)", channel: type, recipient: recipient, category: category, content: "n\(counter)")
            let request = AcceptRequest(
                message: message, channelType: type, customer: customer, dedupKey: "k:\(counter)",
                clientDedupKey: nil, notAfter: nil, onCap: onCap)
            let done = DispatchSemaphore(value: 0)
            let result = Mutex<AcceptResult?>(nil)
            guard
                store.accept(
                    [request],
                    completion: { results in
                        result.withLock { $0 = results.first }
                        done.signal()
                    })
            else { return nil }
            done.wait()
            return result.withLock { $0 }
        }

        func consent(_ change: ConsentChange) {
            let done = DispatchSemaphore(value: 0)
            store.changeConsent([change]) { _ in done.signal() }
            done.wait()
        }

        func report(_ subject: ConsentChange.Subject) -> ConsentReport? {
            let done = DispatchSemaphore(value: 0)
            let result = Mutex<ConsentReport?>(nil)
            store.consent(of: subject) { report in
                result.withLock { $0 = try? report.get() }
                done.signal()
            }
            done.wait()
            return result.withLock { $0 }
        }

        deinit {
            store.close()
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    static func state(_ result: AcceptResult?) -> String {
        switch result {
        case .queued?: "queued"
        case .deferred(_, let until)?: "deferred@\(until)"
        case .suppressed(_, let reason, let cap)?: "suppressed:\(reason.rawValue)" + (cap.map { ":" + $0 } ?? "")
        case .duplicate?: "duplicate"
        case .failed(let error)?: "failed:\(error)"
        case nil: "refused"
        }
    }

    static func capped(_ caps: [FrequencyCap]) -> PolicyConfiguration {
        var policy = PolicyConfiguration()
        policy.caps = caps
        return policy
    }

    @Test func aCapPassesExactlyMaxPerWindowAndFreesAtTheEdge() throws {
        let fixture = try Fixture(
            Self.capped([
                FrequencyCap(name: "daily", category: .marketing, max: 2, per: .seconds(86_400), perChannel: false)
            ]))
        #expect(Self.state(fixture.send(.marketing)) == "queued")
        fixture.clock.advance(milliseconds: 1000)
        #expect(Self.state(fixture.send(.marketing, type: "wecom")) == "queued")
        #expect(Self.state(fixture.send(.marketing)) == "suppressed:frequency_cap:daily")
        // Transactional and critical are not counted by a marketing cap; another customer has their own count.
        #expect(Self.state(fixture.send(.transactional)) == "queued")
        #expect(Self.state(fixture.send(.critical)) == "queued")
        #expect(Self.state(fixture.send(.marketing, customer: "C2")) == "queued")
        // One millisecond before the first send leaves the window it is still full; at the edge it is not.
        fixture.clock.advance(milliseconds: Self.day - 1000 - 1)
        #expect(Self.state(fixture.send(.marketing)) == "suppressed:frequency_cap:daily")
        fixture.clock.advance(milliseconds: 1)
        #expect(Self.state(fixture.send(.marketing)) == "queued")
        // Counting is durable: after a restart the window is still full.
        try fixture.reopen()
        #expect(Self.state(fixture.send(.marketing)) == "suppressed:frequency_cap:daily")
    }

    @Test func aPerChannelCapCountsEachChannelTypeApart() throws {
        let fixture = try Fixture(
            Self.capped([
                FrequencyCap(name: "one-each", category: .marketing, max: 1, per: .seconds(86_400), perChannel: true)
            ]))
        #expect(Self.state(fixture.send(.marketing, type: "sms")) == "queued")
        #expect(Self.state(fixture.send(.marketing, type: "wecom")) == "queued")
        #expect(Self.state(fixture.send(.marketing, type: "sms")) == "suppressed:frequency_cap:one-each")
    }

    @Test func onCapDeferWaitsUntilTheWindowAllowsAndKeepsItsSlot() throws {
        let fixture = try Fixture(
            Self.capped([
                FrequencyCap(name: "daily", category: .marketing, max: 1, per: .seconds(86_400), perChannel: false)
            ]))
        #expect(Self.state(fixture.send(.marketing)) == "queued")
        #expect(Self.state(fixture.send(.marketing, onCap: .defer)) == "deferred@\(Self.start + Self.day)")
        // The deferred send holds the next window: a third one goes a day after it.
        #expect(Self.state(fixture.send(.marketing, onCap: .defer)) == "deferred@\(Self.start + 2 * Self.day)")
        #expect(Self.state(fixture.send(.marketing)) == "suppressed:frequency_cap:daily")
    }

    @Test func quietHoursDeferMarketingToTheNextOpening() throws {
        var policy = PolicyConfiguration()
        policy.quietHours = [
            QuietHoursRule(categories: [.marketing], channelTypes: ["sms"], allowedFrom: 8 * 60, allowedUntil: 21 * 60)
        ]
        let fixture = try Fixture(policy)
        #expect(Self.state(fixture.send(.marketing)) == "queued")  // 10:00
        fixture.clock.advance(milliseconds: 12 * 3_600_000)  // 22:00
        let nextMorning = Self.start - 2 * 3_600_000 + Self.day  // 08:00 tomorrow
        #expect(Self.state(fixture.send(.marketing)) == "deferred@\(nextMorning)")
        #expect(Self.state(fixture.send(.transactional)) == "queued")
        #expect(Self.state(fixture.send(.critical)) == "queued")
        #expect(Self.state(fixture.send(.marketing, type: "wecom")) == "queued")
    }

    @Test func optOutSuppressesMarketingOnlyAndTheLatestDecisionWins() throws {
        let fixture = try Fixture(PolicyConfiguration())
        fixture.consent(
            ConsentChange(
                subject: .address("+86 138 0013 8000"), channel: "sms", optOut: true, route: .smsReply,
                evidence: "mo-1", client: "callback:sms"))
        #expect(Self.state(fixture.send(.marketing)) == "suppressed:opted_out")
        #expect(Self.state(fixture.send(.marketing, customer: nil)) == "suppressed:opted_out")
        #expect(Self.state(fixture.send(.transactional)) == "queued")
        #expect(Self.state(fixture.send(.critical)) == "queued")
        #expect(Self.state(fixture.send(.marketing, type: "wecom")) == "queued")
        // A customer-wide opt-out of every channel, then an opt-in for one channel only.
        fixture.consent(
            ConsentChange(
                subject: .customer("C9"), channel: "*", optOut: true, route: .api, evidence: nil, client: "uid=1"))
        #expect(
            Self.state(fixture.send(.marketing, to: "13900000000", customer: "C9", type: "wecom"))
                == "suppressed:opted_out")
        fixture.consent(
            ConsentChange(
                subject: .customer("C9"), channel: "wecom", optOut: false, route: .api, evidence: "ticket 7",
                client: "uid=2"))
        #expect(Self.state(fixture.send(.marketing, to: "13900000000", customer: "C9", type: "wecom")) == "queued")
        #expect(
            Self.state(fixture.send(.marketing, to: "13900000000", customer: "C9", type: "sms"))
                == "suppressed:opted_out")
        // The log keeps both changes, in order, with route, evidence and client; the standing opt-out is `*`.
        let report = try #require(fixture.report(.customer("C9")))
        #expect(report.entries.map(\.action) == [.optOut, .optIn])
        #expect(report.entries.map(\.channel) == ["*", "wecom"])
        #expect(report.entries.map(\.client) == ["uid=1", "uid=2"])
        #expect(report.entries.last?.evidence == "ticket 7")
        #expect(report.optedOut == ["*"])
        let byNumber = try #require(fixture.report(.address("13800138000")))
        #expect(byNumber.entries.first?.route == .smsReply)
        #expect(byNumber.entries.first?.evidence == "mo-1")
    }

    /// A log entry whose names this build does not know (a newer daemon wrote them) reads back as stored, and the
    /// consent answer shows them unchanged: the log is evidence.
    @Test func unknownStoredConsentNamesReadBackAsStored() throws {
        let fixture = try Fixture(PolicyConfiguration())
        fixture.consent(
            ConsentChange(
                subject: .customer("C7"), channel: "sms", optOut: true, route: .unrecognized("petition"),
                evidence: nil, client: "uid=3"))
        fixture.store.close()
        try SQLiteDatabase(path: fixture.directory + "/gateway.sqlite3").execute(
            "UPDATE consent_log SET subject_kind = 'household', action = 'pause'")
        try fixture.reopen()
        let entry = try #require(fixture.report(.customer("C7"))?.entries.first)
        #expect(entry.subjectKind == .unrecognized("household"))
        #expect(entry.action == .unrecognized("pause"))
        #expect(entry.route == .unrecognized("petition"))
        let shown = ConsentHandler.logEntry(entry)
        #expect([shown.subjectKind, shown.action, shown.route] == ["household", "pause", "petition"])
        #expect(ConsentChange.Route(rawValue: "sms_reply") == .smsReply)
        #expect(ConsentChange.Action(rawValue: "optin") == .optIn)
        #expect(ConsentChange.SubjectKind(rawValue: "address") == .address)
    }

    @Test func callbacksOptOutOnKeywordRepliesAndRefusedCallsOnly() throws {
        let fixture = try Fixture(PolicyConfiguration())
        let processor = CallbackProcessor(store: fixture.store, lookup: { _ in nil }, logger: Logger(label: "test"))
        let replies = CallbackReport(replies: [
            InboundReply(from: "13800138000", text: "ＴＤ", vendorReplyID: "mo-9"),
            InboundReply(from: "13800138001", text: "thanks"),
        ])
        let fromSMS = processor.consentChanges(in: replies, kind: "sms", instance: "sms-a")
        #expect(fromSMS.map(\.subject) == [.address("13800138000")])
        #expect(fromSMS.first?.channel == "sms")
        #expect(fromSMS.first?.route == .smsReply)
        #expect(fromSMS.first?.evidence == "mo-9")
        #expect(fromSMS.first?.client == "callback:sms-a")
        // Replies only mean something on SMS; a refused call opts its number out of marketing calls.
        #expect(processor.consentChanges(in: replies, kind: "wecom", instance: "w").isEmpty)
        let calls = CallbackReport(receipts: [
            Receipt(vendorMessageID: "call-1", recipient: "13900000000", event: .refused),
            Receipt(vendorMessageID: "call-2", recipient: "13900000001", event: .answered),
        ])
        let fromCalls = processor.consentChanges(in: calls, kind: "call_queue", instance: "ivr")
        #expect(fromCalls.map(\.subject) == [.address("13900000000")])
        #expect(fromCalls.first?.channel == "call_queue")
        #expect(fromCalls.first?.route == .callResult)
        #expect(fromCalls.first?.evidence == "call-1")
    }
}
