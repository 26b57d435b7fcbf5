import ChannelKit
package import GatewayStore

/// Strategy sends' admission inside the writer's open transaction (``PostgresRuns``): a run tries its candidates
/// in order, so each is decided before anything is inserted, and only the first admitted now is.
///
/// The facts of a part's first candidates are read at once (``readingPart(_:customers:now:policy:)``): their cap
/// subjects locked in one sorted order (as intake locks a batch's, so two nodes never deadlock), their standing
/// opt-outs, counted sends and the customers' scores, in one round trip; ``AdmissionFacts`` then keeps them current
/// as the part's sends are admitted. A candidate whose facts were not read (a fallback) reads its own.
extension PostgresIntake {
    /// What deciding sends reads, kept current in memory for the sends a transaction admits.
    package final class AdmissionFacts {
        var standing: [String: [(channel: String, optedOut: Bool, sequence: Int64)]] = [:]
        var counted: [String: [(category: String, channelType: String, at: Int64)]] = [:]
        /// The subjects whose facts are here: opt-out keys read, and cap subjects locked and read.
        var optOutKeysRead: Set<String> = []
        var capSubjectsRead: Set<String> = []
        /// Score rows by customer number, locked (`FOR UPDATE`), for the customers read.
        package var scores: [Int64: [String: ChannelScoreRow]] = [:]

        /// Whether the facts of `keys` and `capSubject` are here.
        func covers(optOutKeys keys: [String], capSubject: String?) -> Bool {
            keys.allSatisfy(optOutKeysRead.contains) && (capSubject.map(capSubjectsRead.contains) ?? true)
        }

        /// Takes rows of the standing opt-outs (`subject, channel, opted_out, log_seq`) and counted sends
        /// (`subject, category, channel_type, at`).
        func take(standing rows: [[String?]], counted countedRows: [[String?]]) {
            for row in rows {
                guard let subject = row[0], let channel = row[1] else { continue }
                standing[subject, default: []].append((channel, row[2] == "1", row[3].flatMap { Int64($0) } ?? 0))
            }
            for row in countedRows {
                guard let subject = row[0], let at = row[3].flatMap({ Int64($0) }) else { continue }
                counted[subject, default: []].append((row[1] ?? "", row[2] ?? "", at))
            }
        }
    }

    /// The cap subject of a send, or `nil` when no cap counts it.
    func capSubject(of request: AcceptRequest, policy: AdmissionPolicy) -> String? {
        let category = request.message.category
        guard category != .critical, !policy.caps(for: category).isEmpty else { return nil }
        return cipher.dedupKey(PolicySubject.capKey(customer: request.customer, address: request.message.recipient))
    }

    /// The subjects whose standing opt-out suppresses a marketing send: its address, its customer (a strategy
    /// send carries the key already) and, once this node knows of a forget, their pseudonyms.
    func optOutKeys(of request: AcceptRequest) -> [String] {
        guard request.message.category == .marketing else { return [] }
        var keys = [cipher.dedupKey(PolicySubject.address(request.message.recipient))]
        if let customer = request.customer {
            keys.append(request.customerKey ?? cipher.dedupKey(PolicySubject.customer(customer)))
        }
        if forgotten.active, let pseudonym = forgotten.maker() { keys += Self.pseudonyms(of: request, pseudonym) }
        return keys
    }

    /// The statements reading the facts of `capSubjects` (locked first, in one sorted order) and `optOutKeys`,
    /// and `take`, which moves their results into `facts`.
    private func reading(capSubjects: Set<String>, optOutKeys: Set<String>, now: Int64, policy: AdmissionPolicy)
        -> [PostgresStatement]
    {
        var statements: [PostgresStatement] = []
        let subjects = PostgresArray.text(capSubjects.sorted())
        if !capSubjects.isEmpty {
            statements.append(
                PostgresStatement(
                    """
                    SELECT count(pg_advisory_xact_lock(h)) FROM (
                        SELECT DISTINCT hashtextextended(s, 0) AS h FROM unnest($1::text[]) AS s ORDER BY 1) AS l
                    """, [subjects]))
        }
        statements.append(
            PostgresStatement(
                "SELECT subject, channel, opted_out, log_seq FROM consent_state WHERE subject = ANY($1::text[])",
                [PostgresArray.text(optOutKeys.sorted())]))
        statements.append(
            PostgresStatement(
                """
                SELECT c.subject, c.category, c.channel_type, c.at FROM cap_events c
                WHERE c.subject = ANY($1::text[]) AND c.at > $2 ORDER BY c.at
                """, [subjects, String(now - policy.longestWindow)]))
        return statements
    }

    /// Reads the admission facts of a part's first candidates and its customers' scores: the statements, to send
    /// in one round trip, and what to do with their results.
    package func readingPart(
        _ requests: [AcceptRequest], customers: Set<Int64>, now: Int64, policy: AdmissionPolicy
    ) -> (statements: [PostgresStatement], take: ([PostgresRows]) -> AdmissionFacts) {
        let capSubjects = Set(requests.compactMap { capSubject(of: $0, policy: policy) })
        let keys = Set(requests.flatMap(optOutKeys(of:)))
        var statements = reading(capSubjects: capSubjects, optOutKeys: keys, now: now, policy: policy)
        let factCount = statements.count
        statements.append(
            PostgresCustomerDirectory.scores(
                "cn = ANY($1::bigint[]) ORDER BY cn, channel_type FOR UPDATE",
                [PostgresArray.bigint(customers.sorted())]))
        return (
            statements,
            { results in
                let facts = AdmissionFacts()
                facts.optOutKeysRead = keys
                facts.capSubjectsRead = capSubjects
                facts.take(standing: results[factCount - 2].rows, counted: results[factCount - 1].rows)
                for cn in customers { facts.scores[cn] = [:] }
                for row in results[factCount].rows {
                    guard let cn = row[0].flatMap({ Int64($0) }), let type = row[1] else { continue }
                    facts.scores[cn, default: [:]][type] = PostgresCustomerDirectory.score(row, from: 2)
                }
                return facts
            }
        )
    }

    /// Reads the facts one send needs into `facts` (a fallback candidate's, not read with its part).
    package func read(
        _ request: AcceptRequest, into facts: AdmissionFacts, now: Int64, policy: AdmissionPolicy,
        send: ([PostgresStatement]) throws(PostgresError) -> [PostgresRows]
    ) throws(PostgresError) {
        let capSubject = capSubject(of: request, policy: policy)
        let keys = optOutKeys(of: request).filter { !facts.optOutKeysRead.contains($0) }
        let subjects = capSubject.map { facts.capSubjectsRead.contains($0) ? [] : [$0] } ?? []
        guard !keys.isEmpty || !subjects.isEmpty else { return }
        let statements = reading(capSubjects: Set(subjects), optOutKeys: Set(keys), now: now, policy: policy)
        let results = try send(statements)
        facts.take(standing: results[results.count - 2].rows, counted: results[results.count - 1].rows)
        facts.optOutKeysRead.formUnion(keys)
        facts.capSubjectsRead.formUnion(subjects)
    }

    /// Decides a send whose facts are in `facts` (``AdmissionFacts/covers(optOutKeys:capSubject:)``); an admitted
    /// one counts for the sends decided after it.
    package func decide(_ request: AcceptRequest, with facts: AdmissionFacts, now: Int64, policy: AdmissionPolicy)
        throws(PostgresError) -> Admission
    {
        let keys = optOutKeys(of: request)
        let subject = capSubject(of: request, policy: policy)
        let category = request.message.category.name
        let admission = try Self.storeError { () throws(StoreError) -> Admission in
            try policy.decide(
                request, now: now,
                optedOut: { () throws(StoreError) -> Bool in
                    keys.contains { Self.optedOut(facts.standing[$0] ?? [], channelType: request.channelType) }
                },
                capEvents: { (perChannel, after) throws(StoreError) -> [Int64] in
                    guard let subject else { return [] }
                    return (facts.counted[subject] ?? []).filter { event in
                        event.category == category && event.at > after
                            && (!perChannel || event.channelType == request.channelType)
                    }.map(\.at).sorted()
                })
        }
        if case .send(let at) = admission, at <= now, let subject {
            facts.counted[subject, default: []].append((category, request.channelType, at))
        }
        return admission
    }

    /// The statements inserting a send admitted now (its message, cap event and tracked links), unclaimed: the
    /// node's dispatcher pages it in like any other queued message. Nothing is read from them.
    package func inserting(_ request: AcceptRequest, admission: Admission, now: Int64, policy: AdmissionPolicy)
        throws(PostgresError) -> [PostgresStatement]
    {
        var capEvents: [(subject: String, request: AcceptRequest, at: Int64)] = []
        if let subject = capSubject(of: request, policy: policy), case .send(let at) = admission {
            capEvents.append((subject, request, at))
        }
        return try insertions(
            [Row(request: request, admission: admission)], capEvents: capEvents, now: now, node: nil)
    }
}
