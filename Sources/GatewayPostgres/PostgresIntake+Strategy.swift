import ChannelKit
package import GatewayStore

/// A strategy send's admission inside the writer's open transaction (``PostgresRuns``): the run tries its
/// candidates in order, so each is decided before anything is inserted, and only the first admitted now is.
extension PostgresIntake {
    /// Decides one send with the facts read in this transaction: the cap subject is locked first (as a batch's
    /// intake locks it), so the counted sends read here stay true until the commit, on any node.
    package func admit(
        _ request: AcceptRequest, now: Int64, policy: AdmissionPolicy, on connection: PostgresConnection
    ) throws(PostgresError) -> Admission {
        let message = request.message
        let capped = message.category != .critical && !policy.caps(for: message.category).isEmpty
        let capSubject = cipher.dedupKey(PolicySubject.capKey(customer: request.customer, address: message.recipient))
        var optOutKeys: [String] = []
        if message.category == .marketing {
            optOutKeys.append(cipher.dedupKey(PolicySubject.address(message.recipient)))
            // A strategy send carries the customer's key already (the same keyed hash): no second HMAC.
            if let customer = request.customer {
                optOutKeys.append(request.customerKey ?? cipher.dedupKey(PolicySubject.customer(customer)))
            }
        }
        var statements: [PostgresStatement] = []
        if capped {
            statements.append(
                PostgresStatement("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [capSubject]))
        }
        let standingAt = optOutKeys.isEmpty ? nil : statements.count
        if !optOutKeys.isEmpty {
            statements.append(
                PostgresStatement(
                    "SELECT subject, channel, opted_out, log_seq FROM consent_state WHERE subject = ANY($1::text[])",
                    [PostgresArray.text(optOutKeys)]))
        }
        let countedAt = capped ? statements.count : nil
        if capped {
            statements.append(
                PostgresStatement(
                    "SELECT category, channel_type, at FROM cap_events WHERE subject = $1 AND at > $2 ORDER BY at",
                    [capSubject, String(now - policy.longestWindow)]))
        }
        let facts = statements.isEmpty ? [] : try connection.batch(statements)
        var standing: [String: [(channel: String, optedOut: Bool, sequence: Int64)]] = [:]
        for row in standingAt.map({ facts[$0].rows }) ?? [] {
            guard let subject = row[0], let channel = row[1] else { continue }
            standing[subject, default: []].append((channel, row[2] == "1", row[3].flatMap { Int64($0) } ?? 0))
        }
        let counted = (countedAt.map { facts[$0].rows } ?? []).compactMap { row in
            row[2].flatMap(Int64.init).map { (category: row[0] ?? "", channelType: row[1] ?? "", at: $0) }
        }
        let category = message.category.name
        return try Self.storeError { () throws(StoreError) -> Admission in
            try policy.decide(
                request, now: now,
                optedOut: { () throws(StoreError) -> Bool in
                    optOutKeys.contains { Self.optedOut(standing[$0] ?? [], channelType: request.channelType) }
                },
                capEvents: { (perChannel, after) throws(StoreError) -> [Int64] in
                    counted.filter { event in
                        event.category == category && event.at > after
                            && (!perChannel || event.channelType == request.channelType)
                    }.map(\.at)
                })
        }
    }

    /// Inserts a send admitted by ``admit(_:now:policy:on:)`` (its message, cap event and tracked links) in the
    /// open transaction, unclaimed: the node's dispatcher pages it in like any other queued message.
    package func insert(
        _ request: AcceptRequest, admission: Admission, now: Int64, policy: AdmissionPolicy,
        on connection: PostgresConnection
    ) throws(PostgresError) {
        var capEvents: [(subject: String, request: AcceptRequest, at: Int64)] = []
        let category = request.message.category
        if category != .critical, !policy.caps(for: category).isEmpty, case .send(let at) = admission {
            let subject = cipher.dedupKey(
                PolicySubject.capKey(customer: request.customer, address: request.message.recipient))
            capEvents.append((subject, request, at))
        }
        _ = try connection.batch(
            try insertions([Row(request: request, admission: admission)], capEvents: capEvents, now: now, node: nil))
    }
}
