public import ChannelKit
public import GatewayConfig
public import Logging
import Synchronization

/// Turns vendor callbacks into effects: an SMS reply with an opt-out keyword opts its number out of marketing
/// SMS, a refused call opts the number out of marketing calls. The answer waits for the store's commit, so a
/// vendor only hears 200 for what is durable (otherwise it retries).
///
/// Delivery receipts are kept once each, matched to their messages and applied to their state by the store.
public final class CallbackProcessor: Sendable {
    /// What the listener answers.
    public struct Answer: Sendable, Equatable {
        public var status: Int
        public var contentType: String
        public var body: String
        /// A redirect's target (tracked links).
        public var location: String? = nil
    }

    private let store: any MessageStoring
    private let lookup: @Sendable (String) -> ChannelInstanceConfiguration?
    private let logger: Logger
    private let received = Atomic<Int>(0)
    private let rejected = Atomic<Int>(0)
    private let badSignatures = Atomic<Int>(0)
    private let replies = Atomic<Int>(0)
    private let optOuts = Atomic<Int>(0)
    private let receipts = Atomic<Int>(0)
    private let matched = Atomic<Int>(0)
    private let unmatched = Atomic<Int>(0)
    private let duplicateReceipts = Atomic<Int>(0)
    /// Receipts the store kept, by instance and event, and repeats by instance (for `/metrics`).
    public let receiptCounts: ReceiptCounts
    private let receiptObserver = HandlerSlot<@Sendable (String, [Receipt]) -> Void>()

    /// - Parameters:
    ///   - store: where consent changes are committed.
    ///   - lookup: the active instance of a name, if any.
    ///   - logger: for opt-outs (numbers masked) and rejected callbacks.
    ///   - receiptCounts: where kept and repeated receipts are counted (shared with the receipt poller).
    public init(
        store: any MessageStoring, lookup: @escaping @Sendable (String) -> ChannelInstanceConfiguration?,
        logger: Logger,
        receiptCounts: ReceiptCounts = ReceiptCounts()
    ) {
        self.receiptCounts = receiptCounts
        self.store = store
        self.lookup = lookup
        self.logger = logger
    }

    /// Sets who hears the parsed receipts of instances that cap concurrent calls (the dispatcher frees call slots
    /// with them). Other instances hold no slots, so their receipts do not wake the dispatcher once per callback.
    public func onReceipts(_ observer: @escaping @Sendable (String, [Receipt]) -> Void) {
        receiptObserver.set(observer)
    }

    /// Counters for `stats`: callbacks received and rejected (bad signatures among them, also counted apart),
    /// replies, opt-outs from replies, receipts.
    public var counts: [(String, Int)] {
        [
            ("callbacks", received.load(ordering: .relaxed)), ("callbacks_rejected", rejected.load(ordering: .relaxed)),
            ("callbacks_bad_signature", badSignatures.load(ordering: .relaxed)),
            ("replies", replies.load(ordering: .relaxed)), ("reply_optouts", optOuts.load(ordering: .relaxed)),
            ("receipts", receipts.load(ordering: .relaxed)), ("receipts_matched", matched.load(ordering: .relaxed)),
            ("receipts_unmatched", unmatched.load(ordering: .relaxed)),
            ("receipts_duplicate", duplicateReceipts.load(ordering: .relaxed)),
        ]
    }

    /// Handles one callback for `instance`; `answer` is called exactly once, possibly on another thread.
    public func handle(
        instance: String, callback: InboundCallback, answer: @escaping @Sendable (Answer) -> Void
    ) {
        received.add(1, ordering: .relaxed)
        guard let configuration = lookup(instance) else {
            rejected.add(1, ordering: .relaxed)
            answer(Answer(status: 404, contentType: "text/plain", body: "unknown channel instance\n"))
            return
        }
        // Vendors that sign or encrypt: the adapter's verifier checks first (pure), the core answers the vendor's
        // URL check itself and hands the parser only verified plaintext.
        var callback = callback
        if let verifier = configuration.capabilities.callbackVerifier {
            switch verifier.verify(callback) {
            case .answer(let handshake):
                answer(Answer(status: handshake.status, contentType: handshake.contentType, body: handshake.body))
                return
            case .forward(let verified):
                callback = verified
            case .unauthorized(let failure):
                rejected.add(1, ordering: .relaxed)
                badSignatures.add(1, ordering: .relaxed)
                logger.warning("callback refused", metadata: ["channel": "\(instance)", "error": "\(failure.message)"])
                answer(Answer(status: 401, contentType: "text/plain", body: "bad signature\n"))
                return
            }
        }
        let report: CallbackReport
        do {
            guard let parsed = try configuration.capabilities.callbackParsing?.parseCallback(callback) else {
                rejected.add(1, ordering: .relaxed)
                answer(Answer(status: 404, contentType: "text/plain", body: "this instance takes no callbacks\n"))
                return
            }
            report = parsed
        } catch {
            rejected.add(1, ordering: .relaxed)
            logger.warning(
                "callback rejected", metadata: ["channel": "\(instance)", "error": "\(LogMask.text(error.message))"])
            answer(Answer(status: 400, contentType: "text/plain", body: "malformed callback: \(error.message)\n"))
            return
        }
        replies.add(report.replies.count, ordering: .relaxed)
        receipts.add(report.receipts.count, ordering: .relaxed)
        if !report.receipts.isEmpty, configuration.maxConcurrentCalls != nil, let observer = receiptObserver.function {
            observer(instance, report.receipts)
        }
        let changes = consentChanges(in: report, kind: configuration.kind, instance: instance)
        if configuration.kind == "sms" {
            // Other replies reach strategies waiting for one; the vendor's answer does not wait for it.
            let others = report.replies.filter { !store.isOptOutKeyword($0.text) }
            if !others.isEmpty {
                store.recordReplies(others.map(\.from), at: others.compactMap(\.receivedAtMilliseconds).max()) {
                    [logger] result in
                    if case .failure(let error) = result {
                        logger.warning(
                            "cannot record replies", metadata: ["channel": "\(instance)", "error": "\(error)"])
                    }
                }
            }
        }
        let reply = Answer(
            status: report.answer.status, contentType: report.answer.contentType, body: report.answer.body)
        // The vendor hears its expected answer only once receipts and opt-outs are committed; otherwise 503, and
        // it pushes again (duplicates change nothing).
        if changes.isEmpty, !report.receipts.isEmpty {
            // The common push, receipts alone: one store operation answers it, with no shared tally to keep.
            store.recordReceipts(channel: instance, report.receipts) { [self] result in
                answer(recorded(result, instance: instance) ? reply : Self.tryAgain)
            }
            return
        }
        let pending = Mutex((left: (report.receipts.isEmpty ? 0 : 1) + (changes.isEmpty ? 0 : 1), failed: false))
        let done: @Sendable (Bool) -> Void = { succeeded in
            let (finished, failed) = pending.withLock { state in
                state.left -= 1
                if !succeeded { state.failed = true }
                return (state.left == 0, state.failed)
            }
            guard finished else { return }
            answer(failed ? Self.tryAgain : reply)
        }
        guard !report.receipts.isEmpty || !changes.isEmpty else {
            answer(reply)
            return
        }
        if !report.receipts.isEmpty {
            store.recordReceipts(channel: instance, report.receipts) { [self] result in
                done(recorded(result, instance: instance))
            }
        }
        guard !changes.isEmpty else { return }
        store.changeConsent(changes) { [self] result in
            switch result {
            case .success(let count):
                optOuts.add(count, ordering: .relaxed)
                for change in changes {
                    logger.info(
                        "opted out by \(change.route.rawValue)",
                        metadata: [
                            "channel": "\(instance)", "to": "\(LogMask.address(change.subject.text))",
                            "scope": "\(change.channel)",
                        ])
                }
                done(true)
            case .failure(let error):
                logger.error("cannot record an opt-out", metadata: ["channel": "\(instance)", "error": "\(error)"])
                done(false)
            }
        }
    }

    /// What a vendor hears when its push could not be committed: it pushes again.
    static let tryAgain = Answer(status: 503, contentType: "text/plain", body: "try again\n")

    /// Counts a committed tally (or logs the failure); whether the receipts are durable.
    private func recorded(_ result: Result<ReceiptTally, StoreError>, instance: String) -> Bool {
        switch result {
        case .success(let tally):
            matched.add(tally.matched, ordering: .relaxed)
            unmatched.add(tally.unmatched, ordering: .relaxed)
            duplicateReceipts.add(tally.duplicates, ordering: .relaxed)
            receiptCounts.add(tally, channel: instance)
            return true
        case .failure(let error):
            logger.error("cannot record receipts", metadata: ["channel": "\(instance)", "error": "\(error)"])
            return false
        }
    }

    /// Counts a click on a tracked link and redirects to its original URL (302), once the click is committed.
    public func click(token: String, answer: @escaping @Sendable (Answer) -> Void) {
        guard token.utf8.count <= 64 else {
            answer(Answer(status: 404, contentType: "text/plain", body: "unknown link\n"))
            return
        }
        store.click(token) { [logger] result in
            switch result {
            case .success(let url?):
                answer(Answer(status: 302, contentType: "text/plain", body: "", location: url))
            case .success(nil):
                answer(Answer(status: 404, contentType: "text/plain", body: "unknown link\n"))
            case .failure(let error):
                logger.error("cannot record a click", metadata: ["error": "\(error)"])
                answer(Answer(status: 503, contentType: "text/plain", body: "try again\n"))
            }
        }
    }

    /// The opt-outs a callback carries: keyword replies on SMS, refused calls on the call queue.
    func consentChanges(in report: CallbackReport, kind: String, instance: String) -> [ConsentChange] {
        var changes: [ConsentChange] = []
        if kind == "sms" {
            for reply in report.replies where store.isOptOutKeyword(reply.text) {
                changes.append(
                    ConsentChange(
                        subject: .address(reply.from), channel: "sms", optOut: true, route: .smsReply,
                        evidence: reply.vendorReplyID, client: "callback:\(instance)"))
            }
        }
        if kind == "call_queue" {
            for receipt in report.receipts where receipt.event == .refused {
                guard let number = receipt.recipient else { continue }
                changes.append(
                    ConsentChange(
                        subject: .address(number), channel: "call_queue", optOut: true, route: .callResult,
                        evidence: receipt.vendorMessageID, client: "callback:\(instance)"))
            }
        }
        return changes
    }
}
