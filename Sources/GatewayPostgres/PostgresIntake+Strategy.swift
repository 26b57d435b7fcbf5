import ChannelKit
package import GatewayStore

/// A strategy send's admission inside the writer's open transaction (``PostgresRuns``): the run tries its
/// candidates in order, so each is decided before anything is inserted, and only the first admitted now is.
extension PostgresIntake {
    /// One send's admission as statements to read (sent by the caller, with whatever rides along) and the
    /// decision over their results.
    package struct Admitting {
        /// The facts to read: the cap subject's lock (as a batch's intake takes it, so the counted sends read here
        /// stay true until the commit, on any node), the standing opt-outs, the counted sends.
        package var statements: [PostgresStatement] = []
        fileprivate var request: AcceptRequest
        fileprivate var now: Int64
        fileprivate var policy: AdmissionPolicy
        fileprivate var optOutKeys: [String] = []
        fileprivate var standingAt: Int?
        fileprivate var countedAt: Int?

        /// The decision, given the results of ``statements`` in order.
        package func decide(_ facts: [PostgresRows]) throws(PostgresError) -> Admission {
            var standing: [String: [(channel: String, optedOut: Bool, sequence: Int64)]] = [:]
            for row in standingAt.map({ facts[$0].rows }) ?? [] {
                guard let subject = row[0], let channel = row[1] else { continue }
                standing[subject, default: []].append((channel, row[2] == "1", row[3].flatMap { Int64($0) } ?? 0))
            }
            let counted = (countedAt.map { facts[$0].rows } ?? []).compactMap { row in
                row[2].flatMap(Int64.init).map { (category: row[0] ?? "", channelType: row[1] ?? "", at: $0) }
            }
            let request = request
            let keys = optOutKeys
            let category = request.message.category.name
            return try PostgresIntake.storeError { () throws(StoreError) -> Admission in
                try policy.decide(
                    request, now: now,
                    optedOut: { () throws(StoreError) -> Bool in
                        keys.contains { PostgresIntake.optedOut(standing[$0] ?? [], channelType: request.channelType) }
                    },
                    capEvents: { (perChannel, after) throws(StoreError) -> [Int64] in
                        counted.filter { event in
                            event.category == category && event.at > after
                                && (!perChannel || event.channelType == request.channelType)
                        }.map(\.at)
                    })
            }
        }
    }

    /// What deciding one strategy send reads, inside the writer's open transaction.
    package func admitting(_ request: AcceptRequest, now: Int64, policy: AdmissionPolicy) -> Admitting {
        let message = request.message
        var admitting = Admitting(request: request, now: now, policy: policy)
        let capped = message.category != .critical && !policy.caps(for: message.category).isEmpty
        let capSubject = cipher.dedupKey(PolicySubject.capKey(customer: request.customer, address: message.recipient))
        if message.category == .marketing {
            admitting.optOutKeys.append(cipher.dedupKey(PolicySubject.address(message.recipient)))
            // A strategy send carries the customer's key already (the same keyed hash): no second HMAC.
            if let customer = request.customer {
                admitting.optOutKeys.append(request.customerKey ?? cipher.dedupKey(PolicySubject.customer(customer)))
            }
        }
        if capped {
            admitting.statements.append(
                PostgresStatement("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [capSubject]))
        }
        if !admitting.optOutKeys.isEmpty {
            admitting.standingAt = admitting.statements.count
            admitting.statements.append(
                PostgresStatement(
                    "SELECT subject, channel, opted_out, log_seq FROM consent_state WHERE subject = ANY($1::text[])",
                    [PostgresArray.text(admitting.optOutKeys)]))
        }
        if capped {
            admitting.countedAt = admitting.statements.count
            admitting.statements.append(
                PostgresStatement(
                    "SELECT category, channel_type, at FROM cap_events WHERE subject = $1 AND at > $2 ORDER BY at",
                    [capSubject, String(now - policy.longestWindow)]))
        }
        return admitting
    }

    /// The statements inserting a send admitted now (its message, cap event and tracked links), unclaimed: the
    /// node's dispatcher pages it in like any other queued message. Nothing is read from them.
    package func inserting(_ request: AcceptRequest, admission: Admission, now: Int64, policy: AdmissionPolicy)
        throws(PostgresError) -> [PostgresStatement]
    {
        var capEvents: [(subject: String, request: AcceptRequest, at: Int64)] = []
        let category = request.message.category
        if category != .critical, !policy.caps(for: category).isEmpty, case .send(let at) = admission {
            let subject = cipher.dedupKey(
                PolicySubject.capKey(customer: request.customer, address: request.message.recipient))
            capEvents.append((subject, request, at))
        }
        return try insertions(
            [Row(request: request, admission: admission)], capEvents: capEvents, now: now, node: nil)
    }
}
