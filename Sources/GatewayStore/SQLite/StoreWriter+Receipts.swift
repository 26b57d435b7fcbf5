import ChannelKit
import ControlProtocol
import Crypto

extension StoreWriter {
    /// The message state a receipt event moves a sent message to, and its reason, if any.
    static func transition(for event: Receipt.Event) -> (state: MessageState, reason: Reason?)? { event.transition }

    /// The state a receipt event is streamed as.
    static func state(of event: Receipt.Event) -> MessageState { event.streamedState }

    /// Keeps each receipt once, matches it to its message (by our id, else by the vendor's id and recipient) and
    /// applies it to the message's state.
    ///
    /// The message is looked up first, so a kept receipt is written once, already in its place: under its message
    /// (one row in the message's neighbourhood, which is also its dedup key), or among the waiting ones. This runs
    /// for every receipt a campaign brings; receipts come in the vendor's order, so each page written is a random one.
    func record(_ receipts: [Receipt], channel: String, now: Int64) throws(StoreError) -> ReceiptTally {
        var tally = ReceiptTally()
        for receipt in receipts {
            let reason: Reason? = if case .failed(let reason) = receipt.event { reason } else { nil }
            let event = Self.state(of: receipt.event).rawValue
            let target = try findMessage(for: receipt, channel: channel)
            let digest = cipher.receiptDigest(receipt, channel: channel, event: event)
            // A copy kept while its message was unknown is the same receipt, though it is not under the message.
            if target != nil, unmatchedReceipts > 0, try isWaiting(digest) {
                tally.duplicates += 1
                continue
            }
            let insert = target == nil ? receiptStatements.insertUnmatched : receiptStatements.insert
            insert.rewind()  // every parameter it has is bound below
            if let target { insert.bind(1, target.sequence) }
            insert.bind(2, digest)
            insert.bind(3, nextReceiptArrival(now: now))
            insert.bind(4, channel)
            insert.bind(5, receipt.vendorMessageID)
            insert.bind(6, receipt.messageID)
            insert.bind(7, try cipher.seal(receipt.recipient))
            insert.bind(8, event)
            insert.bind(9, reason?.category.name)
            insert.bind(10, receipt.vendorStatus)
            insert.bind(11, receipt.occurredAtMilliseconds)
            insert.bind(12, now)
            try insert.step()
            insert.rewind()
            guard database.changes == 1 else {
                tally.duplicates += 1
                continue
            }
            tally.keptByEvent[TimelineEvent(receipt.event), default: 0] += 1
            guard let target else {
                tally.unmatched += 1
                unmatchedReceipts += 1
                continue
            }
            try apply(receipt.event, to: target, occurredAt: receipt.occurredAtMilliseconds, now: now)
            tally.matched += 1
        }
        return tally
    }

    /// Whether a receipt with this digest waits without a message (``FieldCipher/receiptDigest(_:channel:event:)``).
    private func isWaiting(_ digest: String) throws(StoreError) -> Bool {
        let select = receiptStatements.waiting
        select.reset()
        defer { select.reset() }
        select.bind(1, digest)
        return try select.step()
    }

    /// A kept receipt's place in its message's timeline: one more than the last, or the time in microseconds when
    /// that is larger, so the order holds across restarts without reading the table (which has no index by it)
    /// as long as the clock does not go back.
    func nextReceiptArrival(now: Int64) -> Int64 {
        lastReceiptArrival = max(lastReceiptArrival + 1, now &* 1000)
        return lastReceiptArrival
    }

    /// Matches receipts that arrived before their send's reply, now that the reply gave the vendor's id.
    func matchWaitingReceipts(
        channel: String, vendorMessageID: String, message sequence: Int64, recipient: String, now: Int64
    )
        throws(StoreError)
    {
        let select = receiptStatements.unmatched
        select.reset()
        select.bind(1, channel)
        select.bind(2, vendorMessageID)
        var waiting: [(sequence: Int64, event: Receipt.Event, occurredAt: Int64?)] = []
        while try select.step() {
            // A batch shares one vendor id: a receipt naming another recipient is not this message's.
            if let named = try cipher.open(select.string(1)),
                PolicySubject.normalized(named) != PolicySubject.normalized(recipient)
            {
                continue
            }
            waiting.append(
                (
                    select.int64(0) ?? 0,
                    Self.event(named: select.string(2) ?? "", reason: select.string(3), vendorStatus: select.string(4)),
                    select.int64(5)
                ))
        }
        select.reset()
        unmatchedReceipts = max(0, unmatchedReceipts - waiting.count)
        let match = receiptStatements.match
        let unwait = receiptStatements.unwait
        for entry in waiting {
            match.reset()
            match.bind(1, entry.sequence)
            match.bind(2, sequence)
            try match.step()
            match.reset()
            // Already under the message (a copy that found it some other way): the same receipt, applied then.
            let moved = database.changes == 1
            unwait.reset()
            unwait.bind(1, entry.sequence)
            try unwait.step()
            unwait.reset()
            guard moved else { continue }
            try apply(
                entry.event, to: (sequence, true, now, try touch(ofMessage: sequence)), occurredAt: entry.occurredAt,
                now: now)
        }
    }

    /// The receipts of a message, oldest first, for `status`.
    func receipts(of sequence: Int64) throws(StoreError) -> [MessageStatus.ReceiptEntry] {
        let select = receiptStatements.ofMessage
        select.reset()
        defer { select.reset() }
        select.bind(1, sequence)
        var entries: [MessageStatus.ReceiptEntry] = []
        while try select.step() {
            entries.append(
                MessageStatus.ReceiptEntry(
                    event: TimelineEvent(stored: select.string(0) ?? ""), reason: select.string(1),
                    vendorStatus: select.string(2),
                    occurredAt: select.int64(3), receivedAt: select.int64(4) ?? 0))
        }
        return entries
    }

    private static func event(named name: String, reason: String?, vendorStatus: String?) -> Receipt.Event {
        switch name {
        case "delivered": .delivered
        case "opened": .opened
        case "clicked": .clicked
        case "answered": .answered
        case "no_answer": .unanswered
        case "busy": .busy
        case "invalid_number": .invalidNumber
        case "refused": .refused
        default:
            .failed(Reason(ReasonCategory(name: reason ?? "") ?? .unknown, vendorCode: vendorStatus))
        }
    }

    /// A receipt's message: its sequence, whether it was `sent` (for the delivery latency) and when it last changed.
    /// `touch` is the strategy run and history row that sent it (`messages.run_id`, `run_visit`), if any.
    typealias Target = (sequence: Int64, sent: Bool, updatedAt: Int64, touch: RunTouch?)

    /// The message a receipt is about: by our id when the vendor echoed it, else by the vendor's id (and the
    /// recipient, when one vendor id covers a batch).
    ///
    /// The state is read as whether it is `sent` (all that a receipt needs to know of it), an integer rather than a
    /// string to allocate and parse for every receipt.
    private func findMessage(for receipt: Receipt, channel: String) throws(StoreError) -> Target? {
        if let messageID = receipt.messageID {
            let select = receiptStatements.messageByID
            select.reset()
            defer { select.reset() }
            select.bind(1, messageID)
            select.bind(2, channel)
            if try select.step() {
                return (select.int64(0) ?? 0, select.int(1) != 0, select.int64(2) ?? 0, RunTouch(select, at: 3))
            }
        }
        guard let vendorMessageID = receipt.vendorMessageID else { return nil }
        let batchKey = BatchRecipients.key(channel: channel, vendorMessageID: vendorMessageID)
        let normalized = receipt.recipient.map(PolicySubject.normalized)
        if let normalized, let members = receiptStatements.batchRecipients.members(of: batchKey),
            case let sequence?? = members[normalized]
        {
            let confirm = receiptStatements.messageBySequence
            confirm.rewind()
            defer { confirm.rewind() }
            confirm.bind(1, sequence)
            confirm.bind(2, channel)
            confirm.bind(3, vendorMessageID)
            if try confirm.step() {
                return (sequence, confirm.int(0) != 0, confirm.int64(1) ?? 0, RunTouch(confirm, at: 2))
            }
        }
        let select = receiptStatements.messagesByVendorID
        select.reset()
        defer { select.reset() }
        select.bind(1, channel)
        select.bind(2, vendorMessageID)
        var candidates: [(sequence: Int64, recipient: String, sent: Bool, updatedAt: Int64, touch: RunTouch?)] = []
        while try select.step() {
            candidates.append(
                (
                    select.int64(0) ?? 0, try cipher.open(select.string(1)) ?? "", select.int(2) != 0,
                    select.int64(3) ?? 0, RunTouch(select, at: 4)
                ))
        }
        if candidates.count > 1, let normalized {
            // A batch: remember who is who, so its other receipts need not read it all again.
            var members: BatchRecipients.Members = [:]
            for candidate in candidates {
                let key = PolicySubject.normalized(candidate.recipient)
                members[key] = members[key] == nil ? .some(candidate.sequence) : .some(nil)
            }
            receiptStatements.batchRecipients.keep(members, for: batchKey)
            candidates = candidates.filter { PolicySubject.normalized($0.recipient) == normalized }
        }
        guard candidates.count == 1, let only = candidates.first else { return nil }
        return (only.sequence, only.sent, only.updatedAt, only.touch)
    }

    /// Applies a kept (and linked) receipt's event to its message.
    private func apply(
        _ event: Receipt.Event, to target: Target, occurredAt: Int64?, now: Int64
    ) throws(StoreError) {
        if let touch = target.touch {
            // A strategy's message: the event reaches its run (one extra column read for every other receipt).
            try applyReceipt(event, to: touch, at: occurredAt ?? now, now: now)
        }
        guard let transition = Self.transition(for: event) else {
            try emit(target.sequence, state: Self.state(of: event), reason: nil, at: occurredAt ?? now)
            return
        }
        let update = receiptStatements.setState
        update.rewind()  // every parameter is bound below
        update.bind(1, target.sequence)
        update.bind(2, transition.state.rawValue)
        update.bind(3, transition.reason?.category.name)
        update.bind(4, transition.reason?.vendorCode)
        update.bind(5, transition.reason?.detail)
        update.bind(6, now)
        try update.step()
        update.rewind()
        let changed = database.changes == 1
        if changed, !pollDelays.isEmpty {
            // A final outcome: nothing left to poll for.
            let done = try cached("DELETE FROM poll_queue WHERE seq = ?1")
            done.bind(1, target.sequence)
            try done.step()
        }
        if changed {
            try emit(target.sequence, state: transition.state, reason: transition.reason?.category.name, at: now)
        }
        if changed, transition.state == .delivered, target.sent {
            // Sent → delivered latency, by the vendor's clock when it gives one.
            receiptLatency.observe(milliseconds: max(0, (occurredAt ?? now) - target.updatedAt))
        }
    }
}

extension StoreWriter {
    /// Keeps an engagement event once per id; one about a message joins its timeline.
    func record(_ event: EngagementEvent, now: Int64) throws(StoreError) -> EventResult {
        var messageSequence: Int64?
        var touch: RunTouch?
        if let messageID = event.messageID {
            let select = try cached("SELECT seq, run_id, run_visit FROM messages WHERE id = ?1")
            select.bind(1, messageID)
            guard try select.step() else { return .unknownMessage }
            messageSequence = select.int64(0)
            touch = RunTouch(select, at: 1)
            select.reset()
        }
        let insert = try cached(
            """
            INSERT OR IGNORE INTO engagement_events (event_id, message_seq, subject, type, value, occurred_at, client,
                received_at)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
            """)
        insert.bind(1, cipher.dedupKey("e:" + event.eventID))
        insert.bind(2, messageSequence)
        insert.bind(3, event.customer.map { cipher.dedupKey(PolicySubject.customer($0)) })
        insert.bind(4, event.name)
        insert.bind(5, try cipher.seal(event.value))
        insert.bind(6, event.occurredAt)
        insert.bind(7, event.client)
        insert.bind(8, now)
        try insert.step()
        guard database.changes == 1 else { return .duplicate }
        let value = event.value.flatMap(Double.init)
        if let touch {
            try applyEvent(event.name, to: touch, at: event.occurredAt, value: value, now: now)
        } else if let customer = event.customer {
            try applyCustomerEvent(
                event.name, ck: customerKey(customer), channelType: event.channelType ?? "app_push",
                at: event.occurredAt, value: value, now: now)
        }
        return .recorded
    }

    /// The engagement events of a message, oldest first, for `status`.
    func events(of sequence: Int64) throws(StoreError) -> [MessageStatus.ReceiptEntry] {
        let select = try cached(
            "SELECT type, value, occurred_at, received_at FROM engagement_events WHERE message_seq = ?1 ORDER BY occurred_at"
        )
        select.bind(1, sequence)
        var entries: [MessageStatus.ReceiptEntry] = []
        while try select.step() {
            // Replies and custom events reach runs but have no place in a message's delivery timeline.
            guard let kind = TimelineEvent(rawValue: select.string(0) ?? "") else { continue }
            entries.append(
                MessageStatus.ReceiptEntry(
                    event: kind, reason: nil, vendorStatus: nil,
                    occurredAt: select.int64(2),
                    receivedAt: select.int64(3) ?? 0, value: try cipher.open(select.string(1))))
        }
        return entries
    }
}

extension StoreWriter {
    /// Keeps a message's tracked links (in the accepting transaction).
    func storeLinks(_ links: [(token: String, url: String)], message sequence: Int64, channel: String)
        throws(StoreError)
    {
        let insert = try cached(
            "INSERT INTO tracked_links (token, message_seq, channel, url) VALUES (?1, ?2, ?3, ?4)")
        for link in links {
            insert.reset()
            insert.bind(1, link.token)
            insert.bind(2, sequence)
            insert.bind(3, channel)
            insert.bind(4, try cipher.seal(link.url))
            try insert.step()
        }
    }

    /// Counts a click; the first click of a link joins the message's timeline as `clicked`.
    /// - Returns: the original URL, or `nil` for an unknown token.
    func click(_ token: String, now: Int64) throws(StoreError) -> String? {
        let update = try cached(
            """
            UPDATE tracked_links SET clicks = clicks + 1, first_click_at = COALESCE(first_click_at, ?2)
            WHERE token = ?1 RETURNING url, message_seq, channel, clicks,
                (SELECT run_id FROM messages WHERE seq = message_seq),
                (SELECT run_visit FROM messages WHERE seq = message_seq)
            """)
        update.bind(1, token)
        update.bind(2, now)
        guard try update.step() else { return nil }
        let url = try cipher.open(update.string(0))
        let sequence = update.int64(1) ?? 0
        let channel = update.string(2) ?? ""
        let clicks = update.int(3)
        let touch = RunTouch(update, at: 4)
        update.reset()
        if clicks == 1 {
            let insert = try cached(
                """
                INSERT OR IGNORE INTO receipts (message_seq, digest, arrival, channel, event, occurred_at, received_at)
                VALUES (?2, ?4, ?5, ?1, 'clicked', ?3, ?3)
                """)
            insert.bind(1, channel)
            insert.bind(2, sequence)
            insert.bind(3, now)
            insert.bind(4, "click:" + token)
            insert.bind(5, nextReceiptArrival(now: now))
            try insert.step()
            try emit(sequence, state: .clicked, reason: nil, at: now)
            if let touch { try applyTrackedClick(to: touch, at: now, now: now) }
        }
        return url
    }

    /// A message's clicks on tracked links and the first click's time.
    func clicks(of sequence: Int64) throws(StoreError) -> (count: Int, first: Int64?) {
        let select = try cached(
            "SELECT COALESCE(SUM(clicks), 0), MIN(first_click_at) FROM tracked_links WHERE message_seq = ?1")
        select.bind(1, sequence)
        guard try select.step() else { return (0, nil) }
        return (select.int(0), select.int64(1))
    }
}

extension StoreWriter {
    /// Counts the receipts kept without a message (at start-up).
    func countUnmatchedReceipts() throws(StoreError) {
        let count = try database.prepare("SELECT COUNT(*) FROM receipts_unmatched")
        unmatchedReceipts = try count.step() ? count.int(0) : 0
    }

    /// Queues a sent message of a polling channel for its first pull-receipt query.
    func queueForPolling(_ sequence: Int64, channel: String, sentAt: Int64, delay: Int64) throws(StoreError) {
        let insert = try cached(
            "INSERT OR REPLACE INTO poll_queue (seq, channel, sent_at, due_at) VALUES (?1, ?2, ?3, ?4)")
        insert.bind(1, sequence)
        insert.bind(2, channel)
        insert.bind(3, sentAt)
        insert.bind(4, sentAt + delay)
        try insert.step()
    }

    /// After a query: due again at `next`, or dropped when given up or no longer sent.
    func polled(_ sequences: [Int64], next: Int64, giveUpBefore: Int64) throws(StoreError) {
        let drop = try cached(
            """
            DELETE FROM poll_queue WHERE seq = ?1 AND (sent_at < ?2
                OR (SELECT state FROM messages WHERE seq = ?1) IS NOT 'sent')
            """)
        let reschedule = try cached("UPDATE poll_queue SET due_at = ?2 WHERE seq = ?1")
        for sequence in sequences {
            drop.reset()
            drop.bind(1, sequence)
            drop.bind(2, giveUpBefore)
            try drop.step()
            reschedule.reset()
            reschedule.bind(1, sequence)
            reschedule.bind(2, next)
            try reschedule.step()
        }
    }
}
