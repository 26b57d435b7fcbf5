import ChannelKit
public import GatewayStore
import Synchronization

/// `forget` under PIPL on PostgreSQL (design §12), as SQLite does it (`StoreWriter+Forget`), in one transaction on
/// the writer's connection: the customer's directory entry, runs and scores are erased; messages found by customer
/// number lose their personal fields (queued ones are cancelled, and the dispatcher hears of them); consent and
/// conversions stay, under a pseudonym, with an `erase` entry in the consent log as evidence; a sweep job is left
/// for messages sent to the customer's addresses without its id (``PostgresForgetSweep``).
///
/// Pseudonyms must be the same on every node sharing the database, so they are keyed by `privacy.pseudonym_key` or
/// the store key only; without either, `forget` is refused (SQLite would generate a key file into its state
/// directory; each host would have its own, and a generated key kept in the database beside what it pseudonymizes
/// would protect nothing).
extension PostgresMessageStore {
    /// Why `forget` is refused on a store with neither key.
    static let forgetNeedsKey = StoreError.unsupported(
        "forget on store: postgresql needs privacy.pseudonym_key or store_encryption_key, the same on every node")

    /// Forgets a customer in one transaction after everything queued before it; answers after the commit. With
    /// `progressOnly`, only reads how far its sweep has come.
    public func forget(
        _ request: CustomerForget, completion: @escaping @Sendable (Result<ForgetResult, StoreError>) -> Void
    ) {
        guard let pseudonym = forgotten.maker(key: request.pseudonymKey) else {
            return completion(.failure(Self.forgetNeedsKey))
        }
        let hash = pseudonym.customer(request.id)
        let sweep = PostgresForgetSweep(cipher: cipher, node: node)
        if request.progressOnly {
            read(
                { connection throws(PostgresError) in try sweep.progress(hash: hash, on: connection) },
                completion: completion)
            return
        }
        let directory = directory
        let forgotten = forgotten
        perform(
            { turn throws(PostgresError) -> Erased in
                var erased = try Self.erase(
                    request, hash: hash, pseudonym: pseudonym, directory: directory, node: sweep.node, turn: turn)
                forgotten.activate()
                if let job = erased.job {
                    // The first turns (messages, then receipts of a small store) run now: a customer with few
                    // messages is swept before the answer.
                    for _ in 0..<2 {
                        erased.held.messages += try sweep.turn(job: job, now: turn.now, on: turn.connection).cancelled
                    }
                    if try sweep.progress(hash: hash, on: turn.connection).sweep == .done {
                        erased.result.sweep = .done
                    }
                }
                turn.changes?.append(.forget(customerHash: hash, reference: request.reference, at: request.at))
                return erased
            },
            completion: { [weak self] result in
                if case .success(let erased) = result { self?.reportHeld(erased.held) }
                completion(result.map(\.result))
            })
    }

    /// Tells the dispatcher of runs and queued messages a commit finished (after that commit): any it holds must
    /// not start, and none counts as queued any more.
    func reportHeld(_ held: HeldRuns) {
        guard !held.isEmpty, let holds = strategyHandlers.withLock({ $0.holds }) else { return }
        holds(held)
    }

    /// What a forget's transaction did: the answer, the sweep job it left and what the dispatcher must drop.
    private struct Erased: Sendable {
        var result: ForgetResult
        var job: Int64?
        var held = HeldRuns()
    }

    /// Erases the customer and moves its consent under pseudonyms (three round trips); the result and the sweep
    /// job left, if the customer had addresses.
    private static func erase(
        _ request: CustomerForget, hash: String, pseudonym: Pseudonym, directory: PostgresCustomerDirectory,
        node: String, turn: PostgresTurn
    ) throws(PostgresError) -> Erased {
        let connection = turn.connection
        let cipher = directory.cipher
        let ck = directory.customerKey(request.id)
        // The customer's sends and upserts wait for this commit (the same lock), so none slips in between.
        let found = try connection.batch([
            PostgresCustomerDirectory.lock([ck]),
            PostgresStatement("SELECT cn FROM customers WHERE ck = $1", [ck]),
            PostgresStatement(
                """
                SELECT channel_type, address_sealed FROM customer_addresses
                WHERE cn = (SELECT cn FROM customers WHERE ck = $1)
                """, [ck]),
        ])
        // An unknown customer has number 0, which no row has: the deletes by number find nothing.
        let number = found[1].scalar
        var result = ForgetResult(customerHash: hash, known: number != nil)
        let cn = number ?? "0"
        // The addresses are read before they go: their consent moves to the pseudonym, and the sweep job keeps them
        // (sealed) to find messages sent to them without a customer id.
        var addresses: [String: String] = [:]
        let sealed = try fields { () throws(StoreError) -> (hash: String?, reference: String?) in
            for row in found[2].rows { addresses[row[0] ?? ""] = try cipher.open(row[1]) ?? "" }
            return (try cipher.seal(hash), try cipher.seal(request.reference))
        }
        var subjects = [ck]
        var pseudonyms = [hash]
        for address in addresses.values.sorted() {
            subjects.append(directory.addressKey(address))
            pseudonyms.append(pseudonym.address(address))
        }
        let moves = [PostgresArray.text(subjects), PostgresArray.text(pseudonyms)]
        // Pending webhook lines name the customer: from now on only by the pseudonym. (Lines sealed under a store
        // key are not rewritten, as on SQLite.)
        var named = "\"customer\":"
        JSONValue.appendQuoted(request.id, to: &named)
        var renamed = "\"customer\":"
        JSONValue.appendQuoted(hash, to: &renamed)
        let messages = "message_seq IN (SELECT seq FROM messages WHERE customer_number = $1)"
        let runs = "run_id IN (SELECT run_id FROM runs WHERE cn = $1)"
        var statements = [
            // Runs and everything hanging off them; the dispatcher must not start a message of these runs.
            PostgresStatement("DELETE FROM run_timers WHERE \(runs)", [cn]),
            PostgresStatement("DELETE FROM run_steps WHERE \(runs)", [cn]),
            PostgresStatement("DELETE FROM enrol_keys WHERE \(runs)", [cn]),
            PostgresStatement("DELETE FROM runs WHERE cn = $1 RETURNING run_id", [cn]),
            PostgresStatement("DELETE FROM customer_addresses WHERE cn = $1", [cn]),
            PostgresStatement("DELETE FROM customer_tags WHERE cn = $1", [cn]),
            PostgresStatement("DELETE FROM channel_scores WHERE cn = $1", [cn]),
            PostgresStatement("DELETE FROM strategy_entries WHERE cn = $1", [cn]),
            PostgresStatement("DELETE FROM customers WHERE cn = $1", [cn]),
            PostgresStatement("DELETE FROM cap_events WHERE subject = $1", [ck]),
            // Messages found by customer number: personal fields gone, the customer replaced by the pseudonym. A
            // queued one is cancelled (its run is gone) and named to the dispatcher; one in flight finishes as it is.
            PostgresStatement("UPDATE receipts SET recipient = NULL WHERE \(messages)", [cn]),
            PostgresStatement("UPDATE tracked_links SET url = '' WHERE \(messages)", [cn]),
            PostgresStatement("UPDATE attempts SET detail = NULL WHERE \(messages)", [cn]),
            PostgresStatement(
                PostgresWithdrawals.notifying(
                    """
                    UPDATE messages SET state = 'cancelled', reason = 'cancelled', reason_code = NULL,
                        reason_detail = 'customer forgotten', updated_at = $2, claimed_by = NULL, claimed_until = NULL
                    WHERE customer_number = $1 AND state = 'queued' RETURNING seq, channel
                    """, issuer: 3), [cn, String(request.at), node]),
            PostgresStatement(
                """
                UPDATE messages SET recipient = '', content = NULL, params = NULL, title = NULL, url = NULL,
                    dedup_key = NULL, customer = $2, customer_key = $3, customer_number = NULL
                WHERE customer_number = $1
                """, [cn, sealed.hash, hash]),
            PostgresStatement("UPDATE engagement_events SET subject = $2 WHERE subject = $1", [ck, hash]),
            PostgresStatement("UPDATE conversions SET ck = $2 WHERE ck = $1", [ck, hash]),
            PostgresStatement(
                "UPDATE outbox SET body = replace(body, $1, $2) WHERE strpos(body, $1) > 0", [named, renamed]),
            // Consent stays, under pseudonyms: the customer's log and standing decisions under `hash`, each
            // address's under the address's own, which admission checks for a send without a customer id. A
            // decision already kept under the pseudonym for the same channel yields to a newer one.
            PostgresStatement(
                """
                UPDATE consent_log l SET subject = u.hash, subject_text = ''
                FROM unnest($1::text[], $2::text[]) AS u(subject, hash) WHERE l.subject = u.subject
                """, moves),
            PostgresStatement(
                """
                INSERT INTO consent_state (subject, channel, opted_out, log_seq)
                SELECT DISTINCT ON (u.hash, s.channel) u.hash, s.channel, s.opted_out, s.log_seq
                FROM consent_state s JOIN unnest($1::text[], $2::text[]) AS u(subject, hash) ON s.subject = u.subject
                ORDER BY u.hash, s.channel, s.log_seq DESC
                ON CONFLICT (subject, channel) DO UPDATE SET opted_out = excluded.opted_out,
                    log_seq = excluded.log_seq
                WHERE excluded.log_seq > consent_state.log_seq
                """, moves),
            PostgresStatement("DELETE FROM consent_state WHERE subject = ANY($1::text[])", [moves[0]]),
            PostgresStatement(
                """
                INSERT INTO consent_log (subject, subject_kind, subject_text, channel, action, route, evidence, client,
                    at)
                VALUES ($1, 'forgotten', '', '*', 'erase', 'forget', $2, $3, $4)
                """, [hash, sealed.reference, request.client, String(request.at)]),
        ]
        if !addresses.isEmpty {
            let kept = try fields { () throws(StoreError) in
                try cipher.seal(try CustomerAttributes.encode(addresses))
            }
            statements.append(
                PostgresStatement(
                    """
                    INSERT INTO forget_jobs (subject_hash, addresses_sealed, cursor, requested_at)
                    VALUES ($1, $2, 0, $3) RETURNING seq
                    """, [hash, kept, String(request.at)]))
        }
        let results = try connection.batch(statements)
        var held = HeldRuns()
        for row in results[3].rows { held.runIDs.append(row[0].flatMap { Int64($0) } ?? 0) }
        result.runs = results[3].rows.count
        result.addresses = results[4].affected
        result.tags = results[5].affected
        result.scores = results[6].affected
        for row in results[13].rows {
            held.messages.append(
                HeldRuns.Message(sequence: row[0].flatMap { Int64($0) } ?? 0, channel: row[1] ?? ""))
        }
        result.messages = results[14].affected
        let job = addresses.isEmpty ? nil : results.last?.scalar.flatMap { Int64($0) }
        if job != nil { result.sweep = .pending }
        return Erased(result: result, job: job, held: held)
    }
}
