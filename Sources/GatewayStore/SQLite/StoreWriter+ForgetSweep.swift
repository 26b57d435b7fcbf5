/// The forget sweep (design §12): messages sent to a forgotten customer's addresses without its customer key
/// cannot be found by index (recipients are sealed with random nonces), so a `forget_jobs` row drives a scan in
/// bounded writer turns, comparing normalized recipients.
///
/// A job's `cursor` is where it stands: `>= 0` the last message `seq` scanned; `< 0` the receipts phase, at
/// `receipts_unmatched.seq` `-cursor - 1` (receipts kept without a message carry their own recipient). The job row is
/// deleted at the end. Only messages created before the forget are swept: a returning address is a new contact.
extension StoreWriter {
    /// Rows a sweep turn looks at, at most.
    static let sweepBatch: Int64 = 5000

    /// One turn of the oldest job, in its own savepoint (called from the prune turn and by `forget`).
    /// - Returns: whether a job remains (sweep again soon).
    func sweepForgotten() throws(StoreError) -> Bool {
        let forgotten = customerStatements.forgotten
        guard forgotten.sweeping else { return false }
        let select = try cached(
            "SELECT seq, subject_hash, addresses_sealed, cursor, requested_at FROM forget_jobs ORDER BY seq LIMIT 1")
        defer { select.reset() }
        guard try select.step(), let job = select.int64(0), let hash = select.string(1) else {
            forgotten.sweeping = false
            return false
        }
        let sealed = select.string(2)
        let cursor = select.int64(3) ?? 0
        let requestedAt = select.int64(4) ?? 0
        select.reset()
        let addresses = Set(
            try CustomerStatements.decodeAttributes(try cipher.open(sealed)).values.map(PolicySubject.normalized))
        try database.execute("SAVEPOINT sweep")
        do {
            let next: Int64? =
                cursor >= 0
                ? try sweepMessages(after: cursor, before: requestedAt, addresses: addresses, hash: hash)
                : try sweepReceipts(after: -cursor - 1, addresses: addresses)
            if let next {
                let update = try cached("UPDATE forget_jobs SET cursor = ?2 WHERE seq = ?1")
                update.bind(1, job)
                update.bind(2, next)
                try update.step()
                update.reset()
            } else {
                let delete = try cached("DELETE FROM forget_jobs WHERE seq = ?1")
                delete.bind(1, job)
                try delete.step()
                delete.reset()
            }
            try database.execute("RELEASE sweep")
        } catch {
            try? database.execute("ROLLBACK TO sweep")
            try? database.execute("RELEASE sweep")
            throw error
        }
        return true
    }

    /// How far the oldest job of `hash` has come; `done` when it has none.
    func sweepProgress(hash: String) throws(StoreError) -> ForgetResult {
        var result = ForgetResult(customerHash: hash, known: false)
        let select = try cached("SELECT cursor FROM forget_jobs WHERE subject_hash = ?1 ORDER BY seq LIMIT 1")
        defer { select.reset() }
        select.bind(1, hash)
        guard try select.step() else {
            result.progress = 1
            return result
        }
        let cursor = select.int64(0) ?? 0
        select.reset()
        result.sweep = .pending
        // Messages are most of the work: 90 %, receipts kept without a message the rest.
        if cursor >= 0 {
            result.progress = 0.9 * Double(cursor) / Double(max(1, try largest("messages")))
        } else {
            result.progress = 0.9 + 0.1 * Double(-cursor - 1) / Double(max(1, try largest("receipts_unmatched")))
        }
        return result
    }

    /// Scrubs the messages in `(after, after + batch]` created before the forget whose recipient is one of
    /// `addresses`; the next cursor, `-1` (receipts) once past the last message.
    private func sweepMessages(after cursor: Int64, before requestedAt: Int64, addresses: Set<String>, hash: String)
        throws(StoreError) -> Int64?
    {
        let end = try largest("messages")
        let last = min(cursor + Self.sweepBatch, end)
        let scan = try cached(
            "SELECT seq, recipient FROM messages WHERE seq > ?1 AND seq <= ?2 AND created_at <= ?3 AND recipient != ''")
        scan.bind(1, cursor)
        scan.bind(2, last)
        scan.bind(3, requestedAt)
        var matched: [Int64] = []
        while try scan.step() {
            guard let sequence = scan.int64(0), let recipient = try cipher.open(scan.string(1)) else { continue }
            if addresses.contains(PolicySubject.normalized(recipient)) { matched.append(sequence) }
        }
        scan.reset()
        if !matched.isEmpty {
            let sealedHash = try cipher.seal(hash)
            for sequence in matched { try scrubMessage(sequence, hash: hash, sealedHash: sealedHash) }
        }
        return last >= end ? -1 : last
    }

    /// Clears the recipient of receipts kept without a message in `(after, after + batch]` that name one of
    /// `addresses`; the next cursor, `nil` once past the last receipt.
    private func sweepReceipts(after position: Int64, addresses: Set<String>) throws(StoreError) -> Int64? {
        let end = try largest("receipts_unmatched")
        let last = min(position + Self.sweepBatch, end)
        let scan = try cached(
            """
            SELECT seq, recipient FROM receipts_unmatched WHERE seq > ?1 AND seq <= ?2 AND recipient IS NOT NULL
            """)
        scan.bind(1, position)
        scan.bind(2, last)
        var matched: [Int64] = []
        while try scan.step() {
            guard let sequence = scan.int64(0), let recipient = try cipher.open(scan.string(1)) else { continue }
            if addresses.contains(PolicySubject.normalized(recipient)) { matched.append(sequence) }
        }
        scan.reset()
        let clear = try cached("UPDATE receipts_unmatched SET recipient = NULL WHERE seq = ?1")
        for sequence in matched {
            clear.bind(1, sequence)
            try clear.step()
            clear.reset()
        }
        return last >= end ? nil : -(last + 1)
    }

    /// What `forget` does to a message found by customer key, for one found by address.
    private func scrubMessage(_ sequence: Int64, hash: String, sealedHash: String?) throws(StoreError) {
        for sql in [
            "UPDATE receipts SET recipient = NULL WHERE message_seq = ?1",
            "UPDATE tracked_links SET url = '' WHERE message_seq = ?1",
            "UPDATE attempts SET detail = NULL WHERE message_seq = ?1",
        ] {
            let statement = try cached(sql)
            statement.bind(1, sequence)
            try statement.step()
            statement.reset()
        }
        let cancel = try cached(
            """
            UPDATE messages SET state = 'cancelled', reason = 'cancelled', reason_code = NULL,
                reason_detail = 'customer forgotten'
            WHERE seq = ?1 AND state = 'queued' RETURNING channel
            """)
        cancel.bind(1, sequence)
        if try cancel.step() {
            // A queued one the dispatcher may hold in memory, with the address: it must not start (``HeldRuns``).
            heldRuns.messages.append(HeldRuns.Message(sequence: sequence, channel: cancel.string(0) ?? ""))
        }
        cancel.reset()
        let scrub = try cached(
            """
            UPDATE messages SET recipient = '', content = NULL, params = NULL, title = NULL, url = NULL,
                dedup_key = NULL, customer = ?2, customer_key = ?3
            WHERE seq = ?1
            """)
        scrub.bind(1, sequence)
        scrub.bind(2, sealedHash)
        scrub.bind(3, hash)
        try scrub.step()
        scrub.reset()
    }

    /// The largest `seq` of `table` (0 when empty).
    private func largest(_ table: String) throws(StoreError) -> Int64 {
        let statement = try cached("SELECT COALESCE(MAX(seq), 0) FROM \(table)")
        defer { statement.reset() }
        guard try statement.step() else { return 0 }
        return statement.int64(0) ?? 0
    }
}
