import ChannelKit
import ControlProtocol
import Logging

/// The writer thread's half of the store: prepared statements and the group-commit transaction.
// Touched only by the writer thread; @unchecked so the thread closure can own it.
final class StoreWriter: @unchecked Sendable {
    /// What one batch produced, by the index of its operation.
    struct BatchResult {
        var acceptResults: [Int: [AcceptResult]] = [:]
        var statuses: [Int: MessageStatus?] = [:]
        var consentResults: [Int: Result<Int, StoreError>] = [:]
        var consentReports: [Int: Result<ConsentReport, StoreError>] = [:]
        var receiptTallies: [Int: Result<ReceiptTally, StoreError>] = [:]
        var eventResults: [Int: Result<EventResult, StoreError>] = [:]
        var clickResults: [Int: Result<String?, StoreError>] = [:]
        /// Operator transactions that ran without error, by operation index.
        var transactionsDone: Set<Int> = []
        /// State changes committed, for subscribers (only collected while someone listens).
        var changes: [StateChange] = []
        /// Messages queued for sending, by channel and priority lane.
        var newMessages: [String: LaneCounts] = [:]
        var enrolResults: [Int: [EnrolResult]] = [:]
        var advanceResults: [Int: [AdvanceResult]] = [:]
        /// Time spent on the enrolments and advances alone (what ``CommitPacer`` sizes the next commit by).
        var strategyWork: Duration = .zero
        /// The earliest due time of the run timers the batch added or moved, if any (for the engine).
        var earliestTimer: Int64?
        /// Runs the batch finished by exit, opt-out or `exit_on`, and the messages it cancelled with them (for the
        /// dispatcher).
        var heldRuns = HeldRuns()
    }

    let database: SQLiteDatabase
    let cipher: FieldCipher
    let policyStatements: PolicyStatements
    let receiptStatements: ReceiptStatements
    /// The customer directory's statements (see ``CustomerStatements``).
    let customerStatements: CustomerStatements
    let receiptLatency: LatencyHistogram
    /// Channels with `poll_receipts` and how long after a send they first poll (ms), for the running batch.
    var pollDelays: [String: Int64] = [:]
    /// Receipts kept without a message; while there are none, recorded sends need not look for any.
    var unmatchedReceipts = 0
    /// The last receipt's `arrival` (``nextReceiptArrival(now:)``).
    var lastReceiptArrival: Int64 = 0
    /// Statements of the less frequent operations, prepared on first use and kept (see ``cached(_:)``).
    private var statementCache: [String: SQLiteStatement] = [:]
    /// State changes of the running batch, or `nil` when nobody subscribes.
    var changes: [StateChange]?
    /// Step counters of the running batch, written once before its commit (see `countStep`).
    var stepCounters: [StepCounterKey: StepCounterDelta] = [:]
    /// The run statements (enrol, advance, exit).
    let runStatements: RunStatements
    /// Registered strategies as the writer enrols into them, loaded on first use (see `strategyEntry(_:)`).
    var strategyCache: [String: StrategyEntry] = [:]
    /// The earliest due time of the timers the running batch wrote.
    var earliestTimer: Int64?
    /// Runs the running batch finished early (see `finishRun`) and their messages it cancelled: none may start
    /// any more.
    var heldRuns = HeldRuns()
    /// How long an enrol key answers `duplicate` (ms; `strategies.enrol_key_window`).
    var enrolKeyWindow: Int64 = 30 * 86_400_000
    private let messageSummary: SQLiteStatement
    private let dedupWindow: Int64
    private let findDedup: SQLiteStatement
    private let claimDedup: SQLiteStatement
    private let releaseDedup: SQLiteStatement
    private let insertMessage: SQLiteStatement
    private let updateMessage: SQLiteStatement
    private let insertAttempt: SQLiteStatement
    private let selectMessage: SQLiteStatement
    private let selectAttempts: SQLiteStatement
    private let pruneDedupStatement: SQLiteStatement
    private let pruneAttemptsStatement: SQLiteStatement
    private let pruneReceiptsStatement: SQLiteStatement
    private let pruneUnmatchedStatement: SQLiteStatement
    private let pruneMessagesStatement: SQLiteStatement
    private let pruneWalkStatement: SQLiteStatement
    /// Where the current pass of the prune walk is: every finished message up to it, created before the cutoff
    /// of its turn, is gone. Back to 0 when a pass reaches a message created inside retention, so a message that
    /// was still queued when a pass went by goes in a later pass once it has finished.
    private var pruneCursor: Int64 = 0
    /// Text bound to `insertMessage` in place (see ``bindInPlace(_:_:)``), refilled from the start for each
    /// message; the statement never steps without every parameter rebound first, so no stale bytes are read.
    private let insertArena = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 8)
    private var insertArenaUsed = 0
    /// Rows deleted per pruning statement: small enough that a prune never holds the writer for long.
    static let pruneBatch = 5000

    init(database: SQLiteDatabase, dedupWindow: Int64, cipher: FieldCipher, receiptLatency: LatencyHistogram)
        throws(StoreError)
    {
        self.receiptLatency = receiptLatency
        self.database = database
        self.cipher = cipher
        self.dedupWindow = dedupWindow
        try database.registerDecayFunction()
        findDedup = try database.prepare("SELECT message_id, created_at FROM dedup WHERE key = ?1")
        // Claims a key that is free or whose entry has left the window (?4 = now - window), in one b-tree
        // descent; a key still held changes no row.
        claimDedup = try database.prepare(
            """
            INSERT INTO dedup (key, message_id, created_at) VALUES (?1, ?2, ?3)
            ON CONFLICT (key) DO UPDATE SET message_id = excluded.message_id, created_at = excluded.created_at
            WHERE dedup.created_at <= ?4
            """
        )
        releaseDedup = try database.prepare("DELETE FROM dedup WHERE key = ?1 AND message_id = ?2")
        insertMessage = try database.prepare(
            """
            INSERT INTO messages (id, channel, recipient, category, template, params, content, dedup_key,
                created_at, not_after, state, updated_at, next_attempt_at, reason, reason_detail, customer, priority,
                title, url, run_id, run_visit, customer_number)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?9, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)
            """
        )
        updateMessage = try database.prepare(
            """
            UPDATE messages SET state = ?2, attempts = MAX(attempts, ?3), next_attempt_at = ?4,
                vendor_message_id = COALESCE(?5, vendor_message_id), reason = ?6, reason_code = ?7,
                reason_detail = ?8, updated_at = ?9
            WHERE seq = ?1 AND state = 'queued'
            """
        )
        insertAttempt = try database.prepare(
            """
            INSERT INTO attempts (message_seq, attempt, started_at, finished_at, outcome, http_status, reason,
                vendor_code, detail)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
            """
        )
        selectMessage = try database.prepare(
            """
            SELECT seq, id, channel, recipient, category, state, attempts, vendor_message_id, reason, reason_detail,
                dedup_key, created_at, updated_at, not_after, next_attempt_at, customer
            FROM messages WHERE id = ?1
            """
        )
        selectAttempts = try database.prepare(
            """
            SELECT attempt, started_at, finished_at, outcome, http_status, reason, vendor_code, detail
            FROM attempts WHERE message_seq = ?1 ORDER BY rowid
            """
        )
        pruneDedupStatement = try database.prepare(
            "DELETE FROM dedup WHERE key IN (SELECT key FROM dedup WHERE created_at < ?1 LIMIT \(Self.pruneBatch))"
        )
        // A range of `seq` (?1, ?2] whose finished messages created before ?3 go; attempts first.
        let range = "seq > ?1 AND seq <= ?2 AND state != 'queued' AND created_at < ?3"
        pruneAttemptsStatement = try database.prepare(
            "DELETE FROM attempts WHERE message_seq IN (SELECT seq FROM messages WHERE \(range))")
        pruneMessagesStatement = try database.prepare("DELETE FROM messages WHERE \(range)")
        // Matched receipts are keyed by their message: the walk's range of `seq` bounds the delete.
        pruneReceiptsStatement = try database.prepare(
            """
            DELETE FROM receipts WHERE message_seq > ?1 AND message_seq <= ?2
                AND message_seq IN (SELECT seq FROM messages WHERE \(range))
            """)
        // Receipts that never met their message, past retention: the oldest batch is read (arrival follows `seq`),
        // so a turn never scans the whole table.
        pruneUnmatchedStatement = try database.prepare(
            """
            DELETE FROM receipts_unmatched WHERE received_at < ?1
                AND seq IN (SELECT seq FROM receipts_unmatched ORDER BY seq LIMIT \(Self.pruneBatch))
            """)
        pruneWalkStatement = try database.prepare(
            "SELECT seq, created_at FROM messages WHERE seq > ?1 ORDER BY seq LIMIT \(Self.pruneBatch)")
        policyStatements = try PolicyStatements(database)
        receiptStatements = try ReceiptStatements(database)
        customerStatements = try CustomerStatements(database)
        runStatements = try RunStatements(database)
        messageSummary = try database.prepare("SELECT id, customer, category, channel FROM messages WHERE seq = ?1")
    }

    deinit { insertArena.deallocate() }

    /// Binds `text` to `insertMessage` from the arena; text that does not fit is copied by SQLite as usual.
    private func bindInPlace(_ index: Int32, _ text: String?) {
        guard var text else {
            insertMessage.bind(index, nil as String?)
            return
        }
        let start = insertArenaUsed
        let fits = text.withUTF8 { bytes in
            guard let source = bytes.baseAddress, start + bytes.count <= insertArena.count else { return false }
            insertArena.baseAddress!.advanced(by: start).copyMemory(from: source, byteCount: bytes.count)
            insertArenaUsed += bytes.count
            return true
        }
        guard fits else {
            insertMessage.bind(index, text)
            return
        }
        insertMessage.bindInPlace(index, UnsafeRawBufferPointer(rebasing: insertArena[start..<insertArenaUsed]))
    }

    /// Runs a batch in one transaction. On a failed commit every accept in it fails; nothing is half-done.
    func apply(
        _ batch: [StoreOperation], now: Int64, policy: AdmissionPolicy, collectChanges: Bool, outbox: Bool,
        logger: Logger
    ) -> BatchResult {
        var result = BatchResult()
        changes = collectChanges ? [] : nil
        earliestTimer = nil
        heldRuns = HeldRuns()
        defer { changes = nil }
        do {
            try database.execute("BEGIN IMMEDIATE")
            for (index, operation) in batch.enumerated() {
                switch operation {
                case .accept(let requests, _):
                    var answers: [AcceptResult] = []
                    answers.reserveCapacity(requests.count)
                    for request in requests {
                        let answer = accept(request, now: now, policy: policy)
                        switch answer {
                        case .queued, .deferred:
                            let lane = PriorityLane(request.message.category)
                            result.newMessages[request.message.channel, default: .zero][lane] += 1
                        default: break
                        }
                        answers.append(answer)
                    }
                    result.acceptResults[index] = answers
                case .record(let records):
                    for record in records { try write(record) }
                case .failover(let moves):
                    for move in moves where try moveToBackup(move, now: now) {
                        result.newMessages[move.channel, default: .zero][move.priority] += 1
                    }
                case .status(let id, _):
                    result.statuses[index] = try status(of: id)
                case .consent(let changes, _):
                    result.consentResults[index] = Result { () throws(StoreError) in
                        try record(changes, now: now)
                    }
                case .receipts(let channel, let receipts, _):
                    result.receiptTallies[index] = Result { () throws(StoreError) in
                        try record(receipts, channel: channel, now: now)
                    }
                case .acknowledgeOutbox(let sequence):
                    try acknowledgeOutbox(upTo: sequence)
                case .polled(let sequences, let next, let giveUpBefore):
                    try polled(sequences, next: next, giveUpBefore: giveUpBefore)
                case .click(let token, _):
                    result.clickResults[index] = Result { () throws(StoreError) in try click(token, now: now) }
                case .event(let event, _):
                    result.eventResults[index] = Result { () throws(StoreError) in try record(event, now: now) }
                case .consentQuery(let subject, _):
                    result.consentReports[index] = Result { () throws(StoreError) in try consent(of: subject) }
                case .barrier:
                    break
                case .enrol(let enrolments, _):
                    let started = ContinuousClock.now
                    result.enrolResults[index] = try enrol(enrolments, now: now)
                    result.strategyWork += ContinuousClock.now - started
                case .advance(let advances, _):
                    let started = ContinuousClock.now
                    result.advanceResults[index] = try advance(
                        advances, now: now, policy: policy, newMessages: &result.newMessages)
                    result.strategyWork += ContinuousClock.now - started
                case .transaction(let body, _):
                    do {
                        try body(self, now, &result.newMessages)
                        result.transactionsDone.insert(index)
                    } catch {
                        logger.warning("operator transaction failed", metadata: ["error": "\(error)"])
                    }
                }
            }
            try flushStepCounters()
            // The webhook outbox is written in the same transaction as the changes it reports.
            if outbox, let changes, !changes.isEmpty { try appendToOutbox(changes, now: now) }
            releaseCachedStatements()
            try database.execute("COMMIT")
            result.changes = changes ?? []
            result.earliestTimer = earliestTimer
            result.heldRuns = heldRuns
        } catch {
            logger.error("store transaction failed, rolling back", metadata: ["error": "\(error)"])
            discardStepCounters()
            // Strategies the batch registered are gone with it.
            strategyCache.removeAll()
            releaseCachedStatements()
            try? database.execute("ROLLBACK")
            var failed = BatchResult()
            for (index, operation) in batch.enumerated() {
                switch operation {
                case .accept(let requests, _): failed.acceptResults[index] = requests.map { _ in .failed(error) }
                case .consent: failed.consentResults[index] = .failure(error)
                case .receipts: failed.receiptTallies[index] = .failure(error)
                case .event: failed.eventResults[index] = .failure(error)
                case .acknowledgeOutbox, .polled: break
                case .click: failed.clickResults[index] = .failure(error)
                case .enrol(let enrolments, _): failed.enrolResults[index] = enrolments.map { _ in .failed(error) }
                case .advance(let advances, _):
                    failed.advanceResults[index] = advances.map { .failed(runID: $0.runID, error) }
                default: break
                }
            }
            return failed
        }
        return result
    }

    /// Stores one send: claims its dedup key, admits it (or takes `decided`, the admission a strategy send already
    /// ran to choose among its candidates) and inserts the message.
    func accept(_ request: AcceptRequest, now: Int64, policy: AdmissionPolicy, decided: Admission? = nil)
        -> AcceptResult
    {
        let dedupKey = request.dedupKey.map(cipher.dedupKey)
        let message = request.message
        if let dedupKey {
            do throws(StoreError) {
                // The key is claimed first: a message that gets one is new, and only a duplicate reads the holder.
                // The hot statements bind every parameter on every use, so they rewind without clearing bindings.
                claimDedup.rewind()
                claimDedup.bind(1, dedupKey)
                claimDedup.bind(2, message.id)
                claimDedup.bind(3, now)
                claimDedup.bind(4, now - dedupWindow)
                try claimDedup.step()
                if database.changes == 0 {
                    findDedup.reset()
                    defer { findDedup.reset() }
                    findDedup.bind(1, dedupKey)
                    guard try findDedup.step(), let original = findDedup.string(0) else {
                        throw StoreError.statementFailed("dedup key held but not found")
                    }
                    return .duplicate(original)
                }
            } catch {
                return .failed(error)
            }
        }
        do {
            let decision: Admission
            if let decided { decision = decided } else { decision = try admit(request, now: now, policy: policy) }
            insertMessage.rewind()
            insertArenaUsed = 0
            bindInPlace(1, message.id)
            bindInPlace(2, message.channel)
            if let stored = request.storedRecipient {
                bindInPlace(3, stored)
            } else {
                bindInPlace(3, try cipher.seal(message.recipient))
            }
            bindInPlace(4, message.category.name)
            bindInPlace(5, message.template)
            bindInPlace(6, try cipher.seal(StoredParams.text(message.params)))
            bindInPlace(7, try cipher.seal(message.content))
            bindInPlace(8, try cipher.seal(request.clientDedupKey))
            insertMessage.bind(9, now)
            insertMessage.bind(10, request.notAfter)
            let answer: AcceptResult
            switch decision {
            case .send(let at):
                bindInPlace(11, MessageState.queued.rawValue)
                // Held past not_after: wake at not_after so it expires on time instead of at the opening.
                let wake = request.notAfter.map { at > $0 ? $0 + 1 : at } ?? at
                insertMessage.bind(12, wake > now ? wake : 0)
                bindInPlace(13, nil as String?)
                bindInPlace(14, nil as String?)
                answer = at > now ? .deferred(message.id, until: at) : .queued(message.id)
            case .suppress(let reason, let cap):
                bindInPlace(11, MessageState.suppressed.rawValue)
                insertMessage.bind(12, 0)
                bindInPlace(13, reason.rawValue)
                bindInPlace(14, cap)
                answer = .suppressed(message.id, reason: reason, cap: cap)
            }
            if let stored = request.storedCustomer {
                bindInPlace(15, stored)
            } else {
                bindInPlace(15, try cipher.seal(request.customer))
            }
            insertMessage.bind(16, PriorityLane(message.category).rawValue)
            bindInPlace(17, try cipher.seal(message.title))
            bindInPlace(18, try cipher.seal(message.url))
            insertMessage.bind(19, request.runID)
            insertMessage.bind(20, request.runVisit.map(Int64.init))
            insertMessage.bind(21, request.customerNumber)
            try insertMessage.step()
            if !request.links.isEmpty {
                try storeLinks(request.links, message: database.lastInsertRowID, channel: message.channel)
            }
            if case .send(let at) = decision, !policy.caps(for: message.category).isEmpty {
                try countForCaps(request, at: at)
            }
            if changes != nil {
                var state = MessageState.queued
                var reason: String?
                switch answer {
                case .deferred: state = .deferred
                case .suppressed(_, let why, _):
                    state = .suppressed
                    reason = why.rawValue
                default: break
                }
                changes?.append(
                    StateChange(
                        messageID: message.id, customer: request.customer, channel: message.channel,
                        category: message.category.name, state: state, reason: reason, at: now))
            }
            return answer
        } catch {
            // Not stored, so its key is free again: a retry of this send must not be answered as a duplicate.
            if let dedupKey {
                releaseDedup.reset()
                releaseDedup.bind(1, dedupKey)
                releaseDedup.bind(2, message.id)
                _ = try? releaseDedup.step()
                releaseDedup.reset()
            }
            return .failed(error)
        }
    }

    private func write(_ record: AttemptRecord) throws(StoreError) {
        updateMessage.rewind()
        updateMessage.bind(1, record.sequence)
        updateMessage.bind(2, record.state.messageState.rawValue)
        updateMessage.bind(3, record.attempt)
        updateMessage.bind(4, record.nextAttemptAt)
        updateMessage.bind(5, record.vendorMessageID)
        updateMessage.bind(6, record.reason?.category.name)
        updateMessage.bind(7, record.reason?.vendorCode)
        updateMessage.bind(8, record.reason?.detail)
        updateMessage.bind(9, record.finishedAt)
        try updateMessage.step()
        if changes != nil, database.changes == 1 {
            let state: MessageState =
                switch record.outcome {
                case .retry: .retrying
                case .ambiguous where record.state == .queued: .retrying
                case .failedOver: .failedOver
                default: record.state.messageState
                }
            try emit(record.sequence, state: state, reason: record.reason?.category.name, at: record.finishedAt)
        }
        // Most setups poll no channel: skip hashing the channel name for every send.
        if !pollDelays.isEmpty, record.state == .sent, record.vendorMessageID != nil, database.changes == 1,
            let delay = pollDelays[record.channel]
        {
            try queueForPolling(record.sequence, channel: record.channel, sentAt: record.finishedAt, delay: delay)
        }
        if record.state == .sent, let vendorMessageID = record.vendorMessageID, database.changes == 1,
            unmatchedReceipts > 0
        {
            try matchWaitingReceipts(
                channel: record.channel, vendorMessageID: vendorMessageID, message: record.sequence,
                recipient: record.recipient ?? "", now: record.finishedAt)
        }
        insertAttempt.rewind()
        insertAttempt.bind(1, record.sequence)
        insertAttempt.bind(2, record.attempt)
        insertAttempt.bind(3, record.startedAt)
        insertAttempt.bind(4, record.finishedAt)
        insertAttempt.bind(5, record.outcome.rawValue)
        insertAttempt.bind(6, record.httpStatus.map(Int64.init))
        insertAttempt.bind(7, record.reason?.category.name)
        insertAttempt.bind(8, record.reason?.vendorCode)
        insertAttempt.bind(9, record.reason?.detail)
        try insertAttempt.step()
    }

    private func status(of id: String) throws(StoreError) -> MessageStatus? {
        selectMessage.reset()
        selectMessage.bind(1, id)
        guard try selectMessage.step() else { return nil }
        let sequence = selectMessage.int64(0) ?? 0
        var status = MessageStatus(
            id: selectMessage.string(1) ?? id,
            channel: selectMessage.string(2) ?? "",
            recipient: try cipher.open(selectMessage.string(3)) ?? "",
            category: selectMessage.string(4) ?? "",
            state: Self.state(selectMessage.string(5)),
            attempts: selectMessage.int(6),
            vendorMessageID: selectMessage.string(7),
            reason: selectMessage.string(8),
            reasonDetail: selectMessage.string(9),
            dedupKey: try cipher.open(selectMessage.string(10)),
            createdAt: selectMessage.int64(11) ?? 0,
            updatedAt: selectMessage.int64(12) ?? 0,
            notAfter: selectMessage.int64(13),
            nextAttemptAt: selectMessage.int64(14) ?? 0,
            customer: try cipher.open(selectMessage.string(15)),
            history: []
        )
        selectMessage.reset()
        // A queued message never tried that waits for a time is deferred (not_before, quiet hours, caps).
        if status.state == .queued, status.attempts == 0, status.nextAttemptAt > 0 { status.state = .deferred }
        selectAttempts.reset()
        selectAttempts.bind(1, sequence)
        while try selectAttempts.step() {
            status.history.append(
                MessageStatus.Attempt(
                    number: selectAttempts.int(0),
                    startedAt: selectAttempts.int64(1) ?? 0,
                    finishedAt: selectAttempts.int64(2) ?? 0,
                    outcome: AttemptRecord.Outcome(rawValue: selectAttempts.string(3) ?? "") ?? .failed,
                    httpStatus: selectAttempts.int64(4).map(Int.init),
                    reason: selectAttempts.string(5),
                    vendorCode: selectAttempts.string(6),
                    detail: selectAttempts.string(7)
                )
            )
        }
        selectAttempts.reset()
        status.receipts = try receipts(of: sequence) + events(of: sequence)
        (status.clicks, status.firstClickAt) = try clicks(of: sequence)
        return status
    }

    /// Deletes dedup keys older than the window, finished messages (with their attempts and receipts) and unmatched
    /// receipts older than `retention`, a bounded batch of each, so dispatch never waits long for the writer.
    /// - Returns: whether a full batch was deleted (more may be left: prune again soon).
    func prune(now: Int64, retention: Int64, capWindow: Int64, logger: Logger) -> Bool {
        do {
            var full = try pruneCapEvents(before: now - capWindow)
            if try pruneFinishedRuns(before: now - max(retention, Attribution.longestGoalWindow)) { full = true }
            if try pruneEnrolKeys(before: now - enrolKeyWindow) { full = true }
            if try sweepForgotten() { full = true }  // a forget job's next turn (StoreWriter+ForgetSweep)
            pruneDedupStatement.reset()
            pruneDedupStatement.bind(1, now - dedupWindow)
            try pruneDedupStatement.step()
            pruneDedupStatement.reset()
            if database.changes >= Self.pruneBatch { full = true }
            if try pruneMessages(createdBefore: now - retention) { full = true }
            if try pruneUnmatchedReceipts(receivedBefore: now - retention) { full = true }
            return full
        } catch {
            logger.warning("pruning failed", metadata: ["error": "\(error)"])
            return false
        }
    }
}

extension StoreWriter {
    /// Prunes finished messages (and their attempts) created before `cutoff`, walking up to a batch of messages
    /// in `seq` order from where the last walk stopped, and stopping at the first message created since: `seq`
    /// follows creation, so no index is needed to find the old ones (an index by time of the last change was
    /// moved by every delivery receipt).
    /// - Returns: whether a whole batch was old (more may be left).
    private func pruneMessages(createdBefore cutoff: Int64) throws(StoreError) -> Bool {
        let start = pruneCursor
        let walk = pruneWalkStatement
        walk.reset()
        walk.bind(1, start)
        var end = start
        var walked = 0
        var stepping = try walk.step()
        while stepping, (walk.int64(1) ?? 0) < cutoff {
            end = walk.int64(0) ?? end
            walked += 1
            stepping = try walk.step()
        }
        walk.reset()
        guard end > start else {
            pruneCursor = 0  // the pass is over: the next starts from the oldest message again
            return false
        }
        try deleteFinished(pruneAttemptsStatement, after: start, through: end, createdBefore: cutoff)
        try deleteFinished(pruneReceiptsStatement, after: start, through: end, createdBefore: cutoff)
        try deleteFinished(pruneMessagesStatement, after: start, through: end, createdBefore: cutoff)
        let full = walked >= Self.pruneBatch
        pruneCursor = full ? end : 0
        return full
    }

    /// Deletes a batch of the oldest unmatched receipts received before `cutoff` (their message never came, or
    /// was pruned before a vendor's late retry); whether the batch was full.
    private func pruneUnmatchedReceipts(receivedBefore cutoff: Int64) throws(StoreError) -> Bool {
        guard unmatchedReceipts > 0 else { return false }
        pruneUnmatchedStatement.reset()
        pruneUnmatchedStatement.bind(1, cutoff)
        try pruneUnmatchedStatement.step()
        pruneUnmatchedStatement.reset()
        let deleted = database.changes
        unmatchedReceipts = max(0, unmatchedReceipts - deleted)
        return deleted >= Self.pruneBatch
    }

    private func deleteFinished(
        _ statement: SQLiteStatement, after start: Int64, through end: Int64, createdBefore cutoff: Int64
    )
        throws(StoreError)
    {
        statement.reset()
        statement.bind(1, start)
        statement.bind(2, end)
        statement.bind(3, cutoff)
        try statement.step()
        statement.reset()
    }

    /// A stored `messages.state`; every value the writer stores is a ``MessageState``, so an unknown one can only
    /// come from a hand-edited row, which is then treated as still waiting.
    static func state(_ stored: String?) -> MessageState {
        stored.flatMap(MessageState.init(rawValue:)) ?? .queued
    }

    /// Notes a committed state change of a message for subscribers (while any listen).
    func emit(_ sequence: Int64, state: MessageState, reason: String?, at: Int64) throws(StoreError) {
        guard changes != nil else { return }
        messageSummary.reset()
        defer { messageSummary.reset() }
        messageSummary.bind(1, sequence)
        guard try messageSummary.step() else { return }
        changes?.append(
            StateChange(
                messageID: messageSummary.string(0) ?? "", customer: try cipher.open(messageSummary.string(1)),
                channel: messageSummary.string(3) ?? "", category: messageSummary.string(2) ?? "", state: state,
                reason: reason, at: at))
    }
}

extension StoreWriter {
    /// Appends changes to the webhook outbox (bodies are the change lines; personal fields stay sealed at rest).
    func appendToOutbox(_ changes: [StateChange], now: Int64) throws(StoreError) {
        let insert = try cached("INSERT INTO outbox (body, created_at) VALUES (?1, ?2)")
        for change in changes {
            insert.reset()
            insert.bind(1, try cipher.seal(change.line))
            insert.bind(2, now)
            try insert.step()
        }
    }

    func acknowledgeOutbox(upTo sequence: Int64) throws(StoreError) {
        let delete = try cached("DELETE FROM outbox WHERE seq <= ?1")
        delete.bind(1, sequence)
        try delete.step()
    }
}

extension StoreWriter {
    /// A statement prepared once and reused, reset and ready to bind.
    func cached(_ sql: String) throws(StoreError) -> SQLiteStatement {
        if let statement = statementCache[sql] {
            statement.reset()
            return statement
        }
        let statement = try database.prepare(sql)
        statementCache[sql] = statement
        return statement
    }

    /// Resets every cached statement, so none holds a read open across the commit.
    func releaseCachedStatements() {
        for statement in statementCache.values { statement.reset() }
    }
}
