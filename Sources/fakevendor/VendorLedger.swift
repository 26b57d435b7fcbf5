import Foundation
import Synchronization

/// Counters shared by every connection: message ids handed out, refs seen, and refs that already failed once.
final class VendorLedger: Sendable {
    private struct State {
        var received = 0
        var refs = Set<String>()
        var flakyRefs = Set<String>()
        var marked = false
        var tokensIssued = 0
        var webhookAttempts = 0
        /// Alibaba sends by BizId: a `SendSms` holds its number(s), a `SendBatchSms` every number of the batch.
        var sends: [String: [Sent]] = [:]
        var lostSends = Set<String>()
        var sendChecks = 0
        var sometimesLate = 0
    }

    /// One number of an Alibaba send, for `QuerySendDetails`.
    struct Sent: Sendable {
        let number: String
        let outID: String
    }

    private let state = Mutex(State())
    /// Vendor ids are handed out on every send; an atomic keeps that off the state lock.
    private let messageIDs = Atomic<Int>(0)
    private let mark: [UInt8]?
    /// Pushes SmsReports for Alibaba sends, with `--report-to`.
    let reports: ReportPusher?

    /// - Parameter mark: text whose first appearance in a body is announced with its arrival time.
    init(mark: String? = nil, reports: ReportPusher? = nil) {
        self.mark = mark.map { Array($0.utf8) }
        self.reports = reports
    }

    /// Prints `mark <unix ms>` the first time a body contains the mark text.
    func noteArrival(of body: some Collection<UInt8>) {
        guard let mark, !state.withLock({ $0.marked }) else { return }
        let bytes = Array(body)
        guard bytes.count >= mark.count,
            (0...(bytes.count - mark.count)).contains(where: { bytes[$0..<($0 + mark.count)].elementsEqual(mark) })
        else { return }
        let now = Date().timeIntervalSince1970 * 1000
        guard
            state.withLock({ state in
                defer { state.marked = true }
                return !state.marked
            })
        else { return }
        print(String(format: "mark %.3f", now))
        fflush(nil)
    }

    /// Counts one POST for `ref`.
    func record(ref: String) {
        state.withLock { state in
            state.received += 1
            state.refs.insert(ref)
        }
    }

    /// Counts one request for each of `refs` under a single lock (a batch's numbers).
    func record(refs: [String]) {
        state.withLock { state in
            state.received += refs.count
            for ref in refs { state.refs.insert(ref) }
        }
    }

    /// Remembers an Alibaba send (one number, or every number of a batch) for `QuerySendDetails`.
    func rememberSend(bizID: String, numbers: [String], outID: String) {
        let sent = numbers.map { Sent(number: $0, outID: outID) }
        state.withLock { $0.sends[bizID] = sent }
    }

    /// The send of `number` under `bizID`, if there was one.
    func send(bizID: String, number: String) -> Sent? {
        state.withLock { $0.sends[bizID]?.first { $0.number == number } }
    }

    /// The OutIds of the sends to `number` (a `QuerySendDetails` without a BizId), counted as a send check.
    func sendCheck(number: String) -> [String] {
        state.withLock { state in
            state.sendChecks += 1
            return state.sends.values.flatMap { $0.filter { $0.number == number }.map(\.outID) }.sorted()
        }
    }

    /// Whether this `/sometimes-late/send` request is the hundredth since the last late one.
    func isEveryHundredth() -> Bool {
        state.withLock { state in
            state.sometimesLate += 1
            return state.sometimesLate % 100 == 0
        }
    }

    /// Whether this is the first `SendSms` to `number` (which the stub then loses).
    func isFirstLostSend(number: String) -> Bool {
        state.withLock { $0.lostSends.insert(number).inserted }
    }

    /// Whether this is one of the first three `/webhook-flaky` POSTs (which fail).
    func isEarlyWebhookAttempt() -> Bool {
        state.withLock { state in
            state.webhookAttempts += 1
            return state.webhookAttempts <= 3
        }
    }

    /// Hands out the next access token, `fv-token-N`.
    func issueToken() -> String {
        let number = state.withLock { state in
            state.tokensIssued += 1
            return state.tokensIssued
        }
        return "fv-token-\(number)"
    }

    /// Whether a token was handed out.
    func isValidToken(_ token: String) -> Bool {
        guard token.hasPrefix("fv-token-"), let number = Int(token.dropFirst("fv-token-".count)) else { return false }
        return state.withLock { number >= 1 && number <= $0.tokensIssued }
    }

    /// Returns a fresh vendor message id, `fv-1`, `fv-2`, ….
    func nextMessageID() -> String {
        "fv-\(nextSerial())"
    }

    /// The next number of the sequence behind every id the stub hands out (`fv-N`, `fv-biz-N`, `fv-call-N`, …).
    func nextSerial() -> Int {
        messageIDs.add(1, ordering: .relaxed).newValue
    }

    /// Whether this is the first `/flaky/send` request for `ref` (which therefore must fail).
    func isFirstFlakyAttempt(ref: String) -> Bool {
        state.withLock { $0.flakyRefs.insert(ref).inserted }
    }

    /// The `/stats` answer: every POST, distinct refs, and the repeats.
    func statsJSON() -> String {
        let (received, unique, tokens, checks) = state.withLock {
            ($0.received, $0.refs.count, $0.tokensIssued, $0.sendChecks)
        }
        return #"{"received":\#(received),"unique":\#(unique),"duplicates":\#(received - unique),"tokens":\#(tokens),"#
            + #""send_checks":\#(checks)}"#
    }
}
