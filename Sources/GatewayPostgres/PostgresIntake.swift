import ChannelKit
internal import ControlProtocol
package import GatewayStore

/// Accepts a batch of sends into PostgreSQL in one transaction of two pipelined round trips, exact however many
/// nodes accept at once.
///
/// 1. Under `BEGIN`: the batch's cap subjects are locked (`pg_advisory_xact_lock`, in one sorted order, so two
///    nodes never deadlock); every dedup key is claimed in one `INSERT … ON CONFLICT … RETURNING` on the unique
///    index, which returns each key's holder (a key held by another message is a duplicate); the standing opt-outs and counted sends of the
///    batch's subjects are read.
/// 2. Each send is decided here by the shared ``AdmissionPolicy``, in order, counting the batch's own earlier
///    sends; then the messages, their cap events and tracked links are inserted (one `unnest` statement each) and
///    the transaction commits.
///
/// The advisory locks make a cap exact across nodes: a second node's batch for the same customer waits at step 1
/// until the first commits, then reads its sends. Unrelated customers never wait on each other. Dedup needs no
/// lock: the unique index makes a concurrent claim wait for the first claimer's commit.
///
/// A marketing send is also checked against consent kept under pseudonyms of forgotten customers
/// (``PostgresForgottenSubjects``): only once any customer was forgotten, learnt from the consent read itself.
package struct PostgresIntake: Sendable {
    let cipher: FieldCipher
    /// How long a dedup key is held, in milliseconds.
    private let dedupWindow: Int64
    let forgotten: PostgresForgottenSubjects

    package init(cipher: FieldCipher, dedupWindow: Int64, forgotten: PostgresForgottenSubjects? = nil) {
        self.cipher = cipher
        self.dedupWindow = dedupWindow
        self.forgotten = forgotten ?? PostgresForgottenSubjects(cipher: cipher)
    }

    /// One message as the batch insert takes it.
    struct Row {
        var request: AcceptRequest
        var admission: Admission
    }

    /// What a batch's transaction produced.
    package struct Accepted {
        /// One per request, in order.
        package var results: [AcceptResult]
        /// The messages inserted already claimed for the accepting node (due now), to hand to its dispatcher
        /// without reading them back.
        package var claimed: [StoredMessage] = []
    }

    /// Accepts `requests` in one transaction on `connection`; one result per request, in order. If the
    /// transaction fails, every request fails with its error and nothing of the batch holds.
    package func accept(
        _ requests: [AcceptRequest], now: Int64, policy: AdmissionPolicy, on connection: PostgresConnection
    ) -> [AcceptResult] {
        accept(requests, now: now, policy: policy, claimFor: nil, on: connection).results
    }

    /// Accepts `requests` in one transaction; with `node`, the messages due now are inserted claimed for it and
    /// returned in ``Accepted/claimed`` (a claim read back would cost a statement and a row version per message).
    /// `alsoCommit`, given the results, adds a statement to the transaction (the webhook outbox's lines).
    package func accept(
        _ requests: [AcceptRequest], now: Int64, policy: AdmissionPolicy, claimFor node: String?,
        alsoCommit: (([AcceptResult]) throws(PostgresError) -> PostgresStatement?)? = nil,
        on connection: PostgresConnection
    ) -> Accepted {
        guard !requests.isEmpty else { return Accepted(results: []) }
        do {
            // BEGIN travels with the first round trip and COMMIT with the second.
            return try admitAndInsert(
                requests, now: now, policy: policy, node: node, alsoCommit: alsoCommit, connection: connection)
        } catch {
            connection.rollback()
            let failure = StoreError.statementFailed(error.message)
            return Accepted(results: requests.map { _ in .failed(failure) })
        }
    }

    private func admitAndInsert(
        _ requests: [AcceptRequest], now: Int64, policy: AdmissionPolicy, node: String?,
        alsoCommit: (([AcceptResult]) throws(PostgresError) -> PostgresStatement?)?, connection: PostgresConnection
    ) throws(PostgresError) -> Accepted {
        // Keys as stored (an HMAC under a store key); a key repeated inside the batch is a duplicate of its first.
        let dedupKeys = requests.map { $0.dedupKey.map(cipher.dedupKey) }
        var firstWithKey: [String: Int] = [:]
        for (index, key) in dedupKeys.enumerated() {
            if let key, firstWithKey[key] == nil { firstWithKey[key] = index }
        }
        let capSubjects = requests.map { request -> String? in
            let category = request.message.category
            guard category != .critical, !policy.caps(for: category).isEmpty else { return nil }
            return cipher.dedupKey(
                PolicySubject.capKey(customer: request.customer, address: request.message.recipient))
        }
        // Known forgotten before the batch: the pseudonyms are read with the other subjects.
        let pseudonym = forgotten.active ? forgotten.maker() : nil
        var optOutSubjects = requests.map { request -> [String] in
            guard request.message.category == .marketing else { return [] }
            var subjects = [cipher.dedupKey(PolicySubject.address(request.message.recipient))]
            if let customer = request.customer {
                subjects.append(request.customerKey ?? cipher.dedupKey(PolicySubject.customer(customer)))
            }
            if let pseudonym { subjects += Self.pseudonyms(of: request, pseudonym) }
            return subjects
        }

        // Round trip 1: BEGIN, locks, dedup claims, opt-outs, counted sends.
        let lockedSubjects = Set(capSubjects.compactMap { $0 })
        let claimed = firstWithKey.sorted { $0.value < $1.value }
        let optOutKeys = Set(optOutSubjects.joined())
        if lockedSubjects.isEmpty, optOutKeys.isEmpty, alsoCommit == nil {
            return try claimAndInsert(
                requests, dedupKeys: dedupKeys, firstWithKey: firstWithKey, claimed: claimed, now: now, policy: policy,
                node: node, connection: connection)
        }
        let history = policy.longestWindow
        // A statement whose list is empty is not sent (each costs the server a parse, a plan and an execution).
        var first = [PostgresStatement("BEGIN")]
        func add(_ statement: PostgresStatement, when needed: Bool) -> Int? {
            guard needed else { return nil }
            first.append(statement)
            return first.count - 1
        }
        _ = add(
            PostgresStatement(
                """
                SELECT count(pg_advisory_xact_lock(h)) FROM (
                    SELECT DISTINCT hashtextextended(s, 0) AS h FROM unnest($1::text[]) AS s ORDER BY 1) AS l
                """, [PostgresArray.text(lockedSubjects.sorted())]), when: !lockedSubjects.isEmpty)
        // Claims every key and returns its holder in one statement: a free key (or one whose entry left the window)
        // is taken; a held one is rewritten unchanged, which locks it (a concurrent claimer waits for this commit)
        // and returns the holder, so no second lookup is needed (it cost as much as the insert).
        let holderRows = add(
            PostgresStatement(
                Self.claimSQL(first: 1), claimParameters(claimed, of: requests, now: now)), when: !claimed.isEmpty)
        // Until a forget is known, the same read asks whether one happened (on any node): a row of NULLs.
        let probing = !forgotten.active
        let standingRows = add(
            PostgresStatement(
                "SELECT subject, channel, opted_out, log_seq FROM consent_state WHERE subject = ANY($1::text[])"
                    + (probing
                        ? " UNION ALL SELECT NULL, NULL, NULL, NULL WHERE \(PostgresForgottenSubjects.probe)" : ""),
                [PostgresArray.text(optOutKeys.sorted())]), when: !optOutKeys.isEmpty)
        // Subject by subject (LATERAL, kept a nested loop by OFFSET 0), so each lookup takes cap_events_subject:
        // as `subject = ANY(…) AND at > …` (or a plain LATERAL, which the planner flattens into a hash join),
        // statistics older than a burst led the planner to read every recent event by time (cap_events_at),
        // which grew with the table: intake fell from 24k to 7k msg/s over 200,000 sends.
        let countedRows = add(
            PostgresStatement(
                """
                SELECT s.subject, e.category, e.channel_type, e.at FROM unnest($1::text[]) AS s(subject)
                CROSS JOIN LATERAL (
                    SELECT category, channel_type, at FROM cap_events c WHERE c.subject = s.subject AND c.at > $2
                    OFFSET 0) AS e
                ORDER BY e.at
                """, [PostgresArray.text(lockedSubjects.sorted()), String(now - history)]),
            when: !lockedSubjects.isEmpty)
        let facts = try connection.batch(first)
        func answer(_ index: Int?) -> [[String?]] { index.map { facts[$0].rows } ?? [] }
        let holders = Dictionary(
            answer(holderRows).compactMap { row in row[0].flatMap { key in row[1].map { (key, $0) } } }
        ) { first, _ in first }
        var standing: [String: [(channel: String, optedOut: Bool, sequence: Int64)]] = [:]
        var forgetSeen = false
        for row in answer(standingRows) {
            guard let subject = row[0], let channel = row[1] else {
                forgetSeen = probing
                continue
            }
            standing[subject, default: []].append(
                (channel, row[2] == "1", row[3].flatMap { Int64($0) } ?? 0))
        }
        if forgetSeen {
            // The first batch to see a forget (another node's, or one before this store opened) reads the
            // pseudonyms' decisions in one more round trip; later batches read them with the rest.
            forgotten.activate()
            if let pseudonym = forgotten.maker() {
                var extra: Set<String> = []
                for (index, request) in requests.enumerated() where !optOutSubjects[index].isEmpty {
                    let more = Self.pseudonyms(of: request, pseudonym)
                    optOutSubjects[index] += more
                    extra.formUnion(more)
                }
                let rows = try connection.query(
                    PostgresStatement(
                        "SELECT subject, channel, opted_out, log_seq FROM consent_state WHERE subject = ANY($1::text[])",
                        [PostgresArray.text(extra.sorted())]))
                for row in rows.rows {
                    guard let subject = row[0], let channel = row[1] else { continue }
                    standing[subject, default: []].append(
                        (channel, row[2] == "1", row[3].flatMap { Int64($0) } ?? 0))
                }
            }
        }
        var counted: [String: [(category: String, channelType: String, at: Int64)]] = [:]
        for row in answer(countedRows) {
            guard let subject = row[0], let category = row[1], let type = row[2], let at = row[3].flatMap(Int64.init)
            else { continue }
            counted[subject, default: []].append((category, type, at))
        }

        var decided = try decisions(
            requests, dedupKeys: dedupKeys, firstWithKey: firstWithKey, holders: holders, capSubjects: capSubjects,
            optOutSubjects: optOutSubjects, standing: standing, counted: counted, now: now, policy: policy)

        // Round trip 2: the rows and the commit.
        let extra = try alsoCommit?(decided.results)
        let inserted = try connection.batch(
            try insertions(decided.rows, capEvents: decided.capEvents, now: now, node: node)
                + (extra.map { [$0] } ?? []) + [PostgresStatement("COMMIT")])
        guard node != nil, inserted.count > 1 else { return Accepted(results: decided.results) }
        return Self.accepted(decided.results, rows: decided.rows, returned: inserted[0].rows)
    }

    /// Accepts a batch whose decisions read nothing but its dedup keys' holders (no cap subject, no marketing
    /// send, no outbox line) in one round trip: one statement claims the keys and inserts each message whose key
    /// it claimed for it (or that has none), so a duplicate is learnt from what that statement returns.
    private func claimAndInsert(
        _ requests: [AcceptRequest], dedupKeys: [String?], firstWithKey: [String: Int],
        claimed: [(key: String, value: Int)], now: Int64, policy: AdmissionPolicy, node: String?,
        connection: PostgresConnection
    ) throws(PostgresError) -> Accepted {
        var decided = try decisions(
            requests, dedupKeys: dedupKeys, firstWithKey: firstWithKey, holders: [:],
            capSubjects: requests.map { _ in nil }, optOutSubjects: requests.map { _ in [] }, standing: [:],
            counted: [:], now: now, policy: policy)
        // The rows are the requests less the batch's own repeats: each row's key.
        var rowKeys: [String?] = []
        for (index, key) in dedupKeys.enumerated() where key.map({ firstWithKey[$0] == index }) ?? true {
            rowKeys.append(key)
        }
        let insert = PostgresStatement(
            """
            WITH claim AS (\(Self.claimSQL(first: 23))),
            inserted AS (
                INSERT INTO messages (\(Self.messageColumns))
                SELECT \(Self.messageAliases), c9 FROM unnest(\(Self.messageArrays(from: 1)), $27::text[])
                    AS m(\(Self.messageAliases), k)
                WHERE k IS NULL OR EXISTS (SELECT FROM claim WHERE claim.key = m.k AND claim.message_id = m.c1)
                RETURNING id, seq, claimed_by)
            SELECT 'key', key, message_id, NULL FROM claim
            UNION ALL SELECT 'message', id, seq::text, claimed_by FROM inserted
            """,
            try messageValues(decided.rows, now: now, node: node).map { PostgresArray.text($0) }
                + claimParameters(claimed, of: requests, now: now) + [PostgresArray.text(rowKeys)])
        let answers = try connection.batch(
            [PostgresStatement("BEGIN"), insert] + (try companions(decided.rows, capEvents: [])) + [
                PostgresStatement("COMMIT")
            ])
        var holders: [String: String] = [:]
        var inserted: [[String?]] = []
        for row in answers[1].rows {
            if row[0] == "key", let key = row[1], let holder = row[2] {
                holders[key] = holder
            } else if row[0] == "message" {
                inserted.append(Array(row.dropFirst()))
            }
        }
        // A key held for another message makes its sends (the batch's repeats too) duplicates of that one.
        for (index, key) in dedupKeys.enumerated() {
            guard let key, let holder = holders[key], holder != requests[index].message.id else { continue }
            decided.results[index] = .duplicate(holder)
        }
        guard node != nil else { return Accepted(results: decided.results) }
        return Self.accepted(decided.results, rows: decided.rows, returned: inserted)
    }

    /// A batch decided: one result per request, the rows to insert and the cap events they add.
    struct Decided {
        var results: [AcceptResult] = []
        var rows: [Row] = []
        var capEvents: [(subject: String, request: AcceptRequest, at: Int64)] = []
    }

    /// Decides each request in order from the batch's facts, each counting the batch's earlier admitted sends. A
    /// key repeated in the batch is a duplicate of its first; a key `holders` gives another message is a duplicate
    /// of that one.
    private func decisions(
        _ requests: [AcceptRequest], dedupKeys: [String?], firstWithKey: [String: Int], holders: [String: String],
        capSubjects: [String?], optOutSubjects: [[String]],
        standing: [String: [(channel: String, optedOut: Bool, sequence: Int64)]],
        counted: [String: [(category: String, channelType: String, at: Int64)]], now: Int64, policy: AdmissionPolicy
    ) throws(PostgresError) -> Decided {
        var counted = counted
        var decided = Decided()
        decided.results.reserveCapacity(requests.count)
        for (index, request) in requests.enumerated() {
            if let key = dedupKeys[index] {
                let first = firstWithKey[key] ?? index
                if first != index {
                    // Of the key's holder: the batch's first, or whichever message held the key before it.
                    decided.results.append(.duplicate(holders[key] ?? requests[first].message.id))
                    continue
                }
                if let holder = holders[key], holder != request.message.id {
                    decided.results.append(.duplicate(holder))
                    continue
                }
            }
            let subject = capSubjects[index]
            let category = request.message.category.name
            let admission = try Self.storeError { () throws(StoreError) -> Admission in
                try policy.decide(
                    request, now: now,
                    optedOut: { () throws(StoreError) -> Bool in
                        optOutSubjects[index].contains { subject in
                            Self.optedOut(standing[subject] ?? [], channelType: request.channelType)
                        }
                    },
                    capEvents: { (perChannel, after) throws(StoreError) -> [Int64] in
                        guard let subject else { return [] }
                        return (counted[subject] ?? []).filter { event in
                            event.category == category && event.at > after
                                && (!perChannel || event.channelType == request.channelType)
                        }.map(\.at).sorted()
                    })
            }
            if case .send(let at) = admission, let subject {
                counted[subject, default: []].append((category, request.channelType, at))
                decided.capEvents.append((subject, request, at))
            }
            decided.rows.append(Row(request: request, admission: admission))
            switch admission {
            case .send(let at):
                decided.results.append(
                    at > now ? .deferred(request.message.id, until: at) : .queued(request.message.id))
            case .suppress(let reason, let cap):
                decided.results.append(.suppressed(request.message.id, reason: reason, cap: cap))
            }
        }
        return decided
    }

    /// `results` with the messages the insert claimed for this node: `returned` holds its `id, seq, claimed_by`.
    static func accepted(_ results: [AcceptResult], rows: [Row], returned: [[String?]]) -> Accepted {
        var accepted = Accepted(results: results)
        var sequences: [String: Int64] = [:]
        for row in returned where row[2] != nil {
            if let id = row[0], let sequence = row[1].flatMap({ Int64($0) }) { sequences[id] = sequence }
        }
        for row in rows {
            guard let sequence = sequences[row.request.message.id] else { continue }
            accepted.claimed.append(
                StoredMessage(
                    sequence: sequence, message: row.request.message, notAfter: row.request.notAfter, attempts: 0,
                    nextAttemptAt: 0, runID: row.request.runID))
        }
        return accepted
    }

    /// The pseudonyms a forget would have kept a marketing send's address and customer id's consent under.
    static func pseudonyms(of request: AcceptRequest, _ pseudonym: Pseudonym) -> [String] {
        var subjects = [pseudonym.address(request.message.recipient)]
        if let customer = request.customer { subjects.append(pseudonym.customer(customer)) }
        return subjects
    }

    /// Whether the latest standing decision of a subject for `channelType` or every channel (`*`) is an opt-out.
    static func optedOut(
        _ decisions: [(channel: String, optedOut: Bool, sequence: Int64)], channelType: String
    ) -> Bool {
        let relevant = decisions.filter { $0.channel == channelType || $0.channel == "*" }
        return relevant.max { $0.sequence < $1.sequence }?.optedOut ?? false
    }

    func insertions(
        _ rows: [Row], capEvents: [(subject: String, request: AcceptRequest, at: Int64)], now: Int64, node: String?
    ) throws(PostgresError) -> [PostgresStatement] {
        guard !rows.isEmpty else { return [] }
        let insert = PostgresStatement(
            """
            INSERT INTO messages (\(Self.messageColumns))
            SELECT *, c9 FROM unnest(\(Self.messageArrays(from: 1))) AS m(\(Self.messageAliases))
            \(node == nil ? "" : "RETURNING id, seq, claimed_by")
            """, try messageValues(rows, now: now, node: node).map { PostgresArray.text($0) })
        return [insert] + (try companions(rows, capEvents: capEvents))
    }

    /// What follows the messages' insert in its transaction: their cap events and tracked links (a link of a
    /// message not inserted finds no row and is not kept).
    func companions(_ rows: [Row], capEvents: [(subject: String, request: AcceptRequest, at: Int64)])
        throws(PostgresError) -> [PostgresStatement]
    {
        var statements: [PostgresStatement] = []
        if !capEvents.isEmpty {
            statements.append(
                PostgresStatement(
                    """
                    INSERT INTO cap_events (subject, channel_type, category, at, message_id)
                    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[])
                    """,
                    [
                        PostgresArray.text(capEvents.map(\.subject)),
                        PostgresArray.text(capEvents.map(\.request.channelType)),
                        PostgresArray.text(capEvents.map(\.request.message.category.name)),
                        PostgresArray.bigint(capEvents.map(\.at)),
                        PostgresArray.text(capEvents.map(\.request.message.id)),
                    ]))
        }
        let links = rows.flatMap { row in row.request.links.map { (row.request.message, $0) } }
        if !links.isEmpty {
            var sealedURLs: [String?] = []
            for link in links {
                sealedURLs.append(try Self.storeError { () throws(StoreError) in try cipher.seal(link.1.url) })
            }
            statements.append(
                PostgresStatement(
                    """
                    INSERT INTO tracked_links (token, message_seq, channel, url)
                    SELECT l.token, m.seq, m.channel, l.url FROM unnest($1::text[], $2::text[], $3::text[])
                        AS l(token, id, url) JOIN messages m ON m.id = l.id
                    """,
                    [
                        PostgresArray.text(links.map(\.1.token)), PostgresArray.text(links.map(\.0.id)),
                        // Sealed at rest, as SQLite keeps them (a click opens it).
                        PostgresArray.text(sealedURLs),
                    ]))
        }
        return statements
    }

    /// The columns of `messages` an accepted message fills, in ``messageValues(_:now:node:)``'s order, and
    /// `updated_at` last (the insert repeats `created_at`, `c9`, for it).
    static let messageColumns = """
        id, channel, recipient, category, template, params, content, dedup_key, created_at, not_after, state,
            next_attempt_at, reason, reason_detail, customer, priority, title, url, run_id, run_visit, customer_number,
            claimed_by, updated_at
        """
    static let messageAliases = (1...22).map { "c\($0)" }.joined(separator: ", ")
    private static let messageTypes = [
        "text", "text", "text", "text", "text", "text", "text", "text", "bigint", "bigint", "text", "bigint", "text",
        "text", "text", "bigint", "text", "text", "bigint", "bigint", "bigint", "text",
    ]

    /// The 22 array parameters of ``messageValues(_:now:node:)`` cast to their types, numbered from `first`.
    static func messageArrays(from first: Int) -> String {
        messageTypes.enumerated().map { "$\(first + $0.offset)::\($0.element)[]" }.joined(separator: ", ")
    }

    /// The statement that claims dedup keys `$first` (`text[]`) for messages `$first+1` at `$first+2`, unless a
    /// key is held since after `$first+3`; it returns each key's holder. A free key (or one whose entry left the
    /// window) is taken; a held one is rewritten unchanged, which locks it (a concurrent claimer waits for this
    /// commit) and returns the holder, so no second lookup is needed (it cost as much as the insert).
    static func claimSQL(first: Int) -> String {
        """
        INSERT INTO dedup (key, message_id, created_at)
            SELECT k, m, $\(first + 2) FROM unnest($\(first)::text[], $\(first + 1)::text[]) AS c(k, m)
        ON CONFLICT (key) DO UPDATE SET
            message_id = CASE WHEN dedup.created_at <= $\(first + 3) THEN excluded.message_id ELSE dedup.message_id END,
            created_at = CASE WHEN dedup.created_at <= $\(first + 3) THEN excluded.created_at ELSE dedup.created_at END
        RETURNING key, message_id
        """
    }

    /// The four parameters of ``claimSQL(first:)`` for the batch's keys (each with its first request's place).
    private func claimParameters(_ claimed: [(key: String, value: Int)], of requests: [AcceptRequest], now: Int64)
        -> [String?]
    {
        [
            PostgresArray.text(claimed.map(\.key)), PostgresArray.text(claimed.map { requests[$0.value].message.id }),
            String(now), String(now - dedupWindow),
        ]
    }

    /// The rows as the 22 columns of ``messageColumns`` before `updated_at`, one array each.
    func messageValues(_ rows: [Row], now: Int64, node: String?) throws(PostgresError) -> [[String?]] {
        var columns = [[String?]](repeating: [], count: 22)
        for row in rows {
            let request = row.request
            let message = request.message
            var state = MessageState.queued.rawValue
            var wake: Int64 = 0
            var reason: String?
            var cap: String?
            switch row.admission {
            case .send(let at):
                // Held past not_after: wake at not_after so it expires on time instead of at the opening.
                let due = request.notAfter.map { at > $0 ? $0 + 1 : at } ?? at
                wake = due > now ? due : 0
            case .suppress(let why, let name):
                state = MessageState.suppressed.rawValue
                reason = why.rawValue
                cap = name
            }
            let sealed = try Self.storeError { () throws(StoreError) -> [String?] in
                // A strategy send brings its recipient and customer sealed already.
                var recipient = request.storedRecipient
                if recipient == nil { recipient = try cipher.seal(message.recipient) }
                var customer = request.storedCustomer
                if customer == nil { customer = try cipher.seal(request.customer) }
                return [
                    recipient, try cipher.seal(StoredParams.text(message.params)), try cipher.seal(message.content),
                    try cipher.seal(request.clientDedupKey), customer, try cipher.seal(message.title),
                    try cipher.seal(message.url),
                ]
            }
            let lane = String(PriorityLane(message.category).rawValue)
            let run: [String?] = [
                request.runID.map(String.init), request.runVisit.map { String($0) },
                request.customerNumber.map(String.init),
            ]
            var values: [String?] = [message.id, message.channel, sealed[0], message.category.name, message.template]
            values += [sealed[1], sealed[2], sealed[3], String(now), request.notAfter.map(String.init), state]
            values += [String(wake), reason, cap, sealed[4], lane, sealed[5], sealed[6]]
            values += run
            // Claimed for the accepting node when due now; a deferred message is claimed by whoever pages it due.
            values.append(wake == 0 && state == MessageState.queued.rawValue ? node : nil)
            for (column, value) in values.enumerated() { columns[column].append(value) }
        }
        return columns
    }

    /// Runs `body`, turning a store error (a field that cannot be sealed) into a failed statement of the batch.
    static func storeError<Value>(_ body: () throws(StoreError) -> Value) throws(PostgresError) -> Value {
        do {
            return try body()
        } catch {
            throw .statementFailed(error.message, sqlState: nil)
        }
    }
}
