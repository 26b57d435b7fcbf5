import ChannelKit
import Foundation

/// `forget` under PIPL (design §12), in the writer's transaction: the customer's directory entry, runs and
/// scores are erased; messages found by customer key lose their personal fields; consent and conversions stay,
/// under a pseudonym, with an `erase` entry in the consent log as evidence.
extension StoreWriter {
    /// Forgets a customer; everything or nothing (a savepoint undoes the lot if one statement fails).
    /// - Parameter directory: the state directory, for a generated pseudonym key.
    func forget(_ request: CustomerForget, directory: String) throws(StoreError) -> ForgetResult {
        let forgotten = customerStatements.forgotten
        forgotten.use(key: request.pseudonymKey)
        let pseudonym = try forgotten.maker(cipher: cipher, directory: directory)
        let hash = pseudonym.customer(request.id)
        if request.progressOnly { return try sweepProgress(hash: hash) }
        try database.execute("SAVEPOINT forget")
        let heldBefore = heldRuns
        do {
            var result = try erase(request, hash: hash, pseudonym: pseudonym)
            forgotten.activate()
            if result.sweep == .pending {
                // The first turns (messages, then receipts of a small store) run now: a customer with few messages
                // is swept before the answer.
                forgotten.sweeping = true
                for _ in 0..<2 { _ = try sweepForgotten() }
                if try sweepProgress(hash: hash).sweep == .done { result.sweep = .done }
            }
            changes?.append(.forget(customerHash: hash, reference: request.reference, at: request.at))
            try database.execute("RELEASE forget")
            return result
        } catch {
            try? database.execute("ROLLBACK TO forget")
            try? database.execute("RELEASE forget")
            heldRuns = heldBefore
            throw error
        }
    }

    private func erase(_ request: CustomerForget, hash: String, pseudonym: Pseudonym) throws(StoreError)
        -> ForgetResult
    {
        let ck = customerKey(request.id)
        // An unknown customer has number 0, which no row has: the deletes by number find nothing.
        let number = try customerStatements.number(ck: ck)
        let known = number != nil
        let cn = number ?? 0
        // The addresses are read before they go: their consent moves to the pseudonym, and a sweep job keeps them
        // (sealed) to find messages sent to them without a customer id.
        let addresses = try customerStatements.addresses(cn: cn, cipher: cipher)
        var result = ForgetResult(customerHash: hash, known: known)

        // Runs and everything hanging off them.
        let runFilter = "run_id IN (SELECT run_id FROM runs WHERE cn = ?1)"
        for table in ["run_timers", "run_steps", "enrol_keys"] {
            _ = try run("DELETE FROM \(table) WHERE \(runFilter)", cn)
        }
        // The dispatcher must not start a message of these runs it has paged in (see ``HeldRuns``).
        let runs = try cached("DELETE FROM runs WHERE cn = ?1 RETURNING run_id")
        runs.bind(1, cn)
        while try runs.step() {
            heldRuns.runIDs.append(runs.int64(0) ?? 0)
            result.runs += 1
        }
        runs.reset()
        result.addresses = try run("DELETE FROM customer_addresses WHERE cn = ?1", cn)
        result.tags = try run("DELETE FROM customer_tags WHERE cn = ?1", cn)
        result.scores = try run("DELETE FROM channel_scores WHERE cn = ?1", cn)
        _ = try run("DELETE FROM strategy_entries WHERE cn = ?1", cn)
        _ = try run("DELETE FROM customers WHERE cn = ?1", cn)
        _ = try run("DELETE FROM cap_events WHERE subject = ?1", ck)

        // Messages found by customer number: personal fields gone, the customer replaced by the pseudonym (in
        // `customer_key`). A message still queued is cancelled (its run is gone); one in flight finishes as it is.
        let messageFilter = "message_seq IN (SELECT seq FROM messages WHERE customer_number = ?1)"
        _ = try run("UPDATE receipts SET recipient = NULL WHERE \(messageFilter)", cn)
        _ = try run("UPDATE tracked_links SET url = '' WHERE \(messageFilter)", cn)
        _ = try run("UPDATE attempts SET detail = NULL WHERE \(messageFilter)", cn)
        let sealedHash = try cipher.seal(hash)
        // Each cancelled one is named to the dispatcher after the commit: out of its memory if paged in, off its
        // queued count.
        let cancel = try cached(
            """
            UPDATE messages SET state = 'cancelled', reason = 'cancelled', reason_code = NULL,
                reason_detail = 'customer forgotten', updated_at = ?2
            WHERE customer_number = ?1 AND state = 'queued' RETURNING seq, channel
            """)
        cancel.bind(1, cn)
        cancel.bind(2, request.at)
        while try cancel.step() {
            heldRuns.messages.append(HeldRuns.Message(sequence: cancel.int64(0) ?? 0, channel: cancel.string(1) ?? ""))
        }
        cancel.reset()
        let scrub = try cached(
            """
            UPDATE messages SET recipient = '', content = NULL, params = NULL, title = NULL, url = NULL,
                dedup_key = NULL, customer = ?2, customer_key = ?3, customer_number = NULL
            WHERE customer_number = ?1
            """)
        scrub.bind(1, cn)
        scrub.bind(2, sealedHash)
        scrub.bind(3, hash)
        try scrub.step()
        result.messages = database.changes
        _ = try run("UPDATE engagement_events SET subject = ?2 WHERE subject = ?1", ck, hash)
        _ = try run("UPDATE conversions SET ck = ?2 WHERE ck = ?1", ck, hash)

        // Pending webhook lines name the customer: from now on only by the pseudonym.
        var named = "\"customer\":"
        JSONValue.appendQuoted(request.id, to: &named)
        var renamed = "\"customer\":"
        JSONValue.appendQuoted(hash, to: &renamed)
        _ = try run("UPDATE outbox SET body = replace(body, ?1, ?2) WHERE instr(body, ?1) > 0", named, renamed)

        // Consent stays, under pseudonyms: the customer's log and standing decisions under `hash`, each
        // address's under the address's own pseudonym, which admission checks for a send without a customer id.
        var subjects = [(ck, hash)]
        for address in addresses.values { subjects.append((addressKey(address), pseudonym.address(address))) }
        for (subject, hash) in subjects {
            _ = try run("UPDATE consent_log SET subject = ?2, subject_text = '' WHERE subject = ?1", subject, hash)
            // A decision already kept under the pseudonym for the same channel yields to the newer one.
            _ = try run(
                """
                INSERT INTO consent_state (subject, channel, opted_out, log_seq)
                SELECT ?2, channel, opted_out, log_seq FROM consent_state WHERE subject = ?1
                ON CONFLICT (subject, channel) DO UPDATE SET opted_out = excluded.opted_out,
                    log_seq = excluded.log_seq
                WHERE excluded.log_seq > consent_state.log_seq
                """, subject, hash)
            _ = try run("DELETE FROM consent_state WHERE subject = ?1", subject)
        }
        let entry = policyStatements.insertConsent
        entry.reset()
        entry.bind(1, hash)
        entry.bind(2, "forgotten")
        entry.bind(3, "")
        entry.bind(4, "*")
        entry.bind(5, "erase")
        entry.bind(6, "forget")
        entry.bind(7, try cipher.seal(request.reference))
        entry.bind(8, request.client)
        entry.bind(9, request.at)
        try entry.step()
        entry.reset()

        if !addresses.isEmpty {
            let job = try cached(
                "INSERT INTO forget_jobs (subject_hash, addresses_sealed, cursor, requested_at) VALUES (?1, ?2, 0, ?3)")
            job.bind(1, hash)
            job.bind(2, try cipher.seal(try CustomerStatements.encodeAttributes(addresses)))
            job.bind(3, request.at)
            try job.step()
            result.sweep = .pending
        }
        return result
    }

    /// Whether a marketing send's customer id or address was opted out before it was forgotten: consent kept
    /// under their pseudonyms still stands (design §12). Free until the first forget.
    func optedOutWhileForgotten(_ request: AcceptRequest) throws(StoreError) -> Bool {
        let forgotten = customerStatements.forgotten
        guard forgotten.active else { return false }
        let pseudonym = try forgotten.maker(cipher: cipher)
        var subjects = [pseudonym.address(request.message.recipient)]
        if let customer = request.customer { subjects.append(pseudonym.customer(customer)) }
        for subject in subjects
        where try standingOptOut(policyStatements.standing, key: subject, channelType: request.channelType) {
            return true
        }
        return false
    }

    /// Runs a cached statement with text parameters; the rows it changed.
    private func run(_ sql: String, _ number: Int64) throws(StoreError) -> Int {
        let statement = try cached(sql)
        statement.bind(1, number)
        try statement.step()
        statement.reset()
        return database.changes
    }

    private func run(_ sql: String, _ values: String...) throws(StoreError) -> Int {
        let statement = try cached(sql)
        for (index, value) in values.enumerated() { statement.bind(Int32(index + 1), value) }
        try statement.step()
        statement.reset()
        return database.changes
    }
}
