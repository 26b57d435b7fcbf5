import ChannelKit
import GatewayConfig

extension StoreWriter {
    /// Runs a send through the admission policy, reading its facts from this transaction.
    func admit(_ request: AcceptRequest, now: Int64, policy: AdmissionPolicy) throws(StoreError) -> Admission {
        let message = request.message
        let subject = PolicySubject.capKey(customer: request.customer, address: message.recipient)
        return try policy.decide(
            request, now: now,
            optedOut: { () throws(StoreError) -> Bool in
                if try isOptedOut(
                    key: cipher.dedupKey(PolicySubject.address(message.recipient)), request.channelType)
                {
                    return true
                }
                // A strategy send carries the customer's key already (the same keyed hash): no second HMAC.
                if let customer = request.customer,
                    try isOptedOut(
                        key: request.customerKey ?? cipher.dedupKey(PolicySubject.customer(customer)),
                        request.channelType)
                {
                    return true
                }
                // Consent kept under a forgotten customer's pseudonyms (StoreWriter+Forget; nothing before a forget).
                return try optedOutWhileForgotten(request)
            },
            capEvents: { (perChannel, after) throws(StoreError) -> [Int64] in
                try capEvents(
                    subject: subject, category: message.category.name,
                    channelType: perChannel ? request.channelType : nil, after: after)
            })
    }

    /// Counts an admitted send against its category's caps, at the time it will go.
    func countForCaps(_ request: AcceptRequest, at: Int64) throws(StoreError) {
        let statement = policyStatements.insertCapEvent
        statement.reset()
        statement.bind(
            1, cipher.dedupKey(PolicySubject.capKey(customer: request.customer, address: request.message.recipient)))
        statement.bind(2, request.channelType)
        statement.bind(3, request.message.category.name)
        statement.bind(4, at)
        statement.bind(5, request.message.id)
        try statement.step()
        statement.reset()
    }

    private func capEvents(subject: String, category: String, channelType: String?, after: Int64) throws(StoreError)
        -> [Int64]
    {
        let statement = channelType == nil ? policyStatements.capEvents : policyStatements.capEventsOfType
        statement.reset()
        defer { statement.reset() }
        statement.bind(1, cipher.dedupKey(subject))
        statement.bind(2, category)
        statement.bind(3, after)
        if let channelType { statement.bind(4, channelType) }
        var times: [Int64] = []
        while try statement.step() { times.append(statement.int64(0) ?? 0) }
        return times
    }

    private func isOptedOut(key: String, _ channelType: String) throws(StoreError) -> Bool {
        try standingOptOut(policyStatements.standing, key: key, channelType: channelType)
    }

    /// Whether the subject's latest decision for `channelType` or every channel (`*`) is an opt-out.
    func standingOptOut(_ statement: SQLiteStatement, key: String, channelType: String) throws(StoreError) -> Bool {
        statement.reset()
        defer { statement.reset() }
        statement.bind(1, key)
        var latest: (sequence: Int64, optedOut: Bool)?
        while try statement.step() {
            guard let channel = statement.string(0), channel == channelType || channel == "*" else { continue }
            let sequence = statement.int64(2) ?? 0
            if sequence >= latest?.sequence ?? .min { latest = (sequence, statement.int(1) == 1) }
        }
        return latest?.optedOut ?? false
    }

    /// Appends consent changes to the log and updates the standing decisions.
    /// - Returns: how many were recorded.
    func record(_ changes: [ConsentChange], now: Int64) throws(StoreError) -> Int {
        let insert = policyStatements.insertConsent
        let upsert = policyStatements.upsertConsentState
        for change in changes {
            let key = cipher.dedupKey(change.subject.key)
            insert.reset()
            insert.bind(1, key)
            insert.bind(2, change.subject.kind.rawValue)
            insert.bind(3, try cipher.seal(change.subject.text))
            insert.bind(4, change.channel)
            insert.bind(5, change.action.rawValue)
            insert.bind(6, change.route.rawValue)
            insert.bind(7, try cipher.seal(change.evidence))
            insert.bind(8, change.client)
            insert.bind(9, now)
            try insert.step()
            insert.reset()
            upsert.reset()
            upsert.bind(1, key)
            upsert.bind(2, change.channel)
            upsert.bind(3, change.optOut ? 1 : 0)
            upsert.bind(4, database.lastInsertRowID)
            try upsert.step()
            upsert.reset()
            try applyOptOut(change, now: now)  // runs exiting on `opted_out` finish now (StoreWriter+RunEvents)
        }
        return changes.count
    }

    /// The standing opt-outs and the whole log of a subject.
    func consent(of subject: ConsentChange.Subject) throws(StoreError) -> ConsentReport {
        let key = cipher.dedupKey(subject.key)
        var report = ConsentReport(optedOut: [], entries: [])
        // A channel's opt-out stands unless a later decision for every channel (`*`) overrides it.
        let standing = policyStatements.selectOptedOut
        standing.reset()
        standing.bind(1, key)
        var rows: [(channel: String, optedOut: Bool, sequence: Int64)] = []
        while try standing.step() {
            rows.append((standing.string(0) ?? "", standing.int(1) == 1, standing.int64(2) ?? 0))
        }
        standing.reset()
        let everyChannel = rows.first { $0.channel == "*" }
        report.optedOut = rows.filter { row in
            guard row.optedOut else { return false }
            guard row.channel != "*", let everyChannel, !everyChannel.optedOut else { return true }
            return row.sequence > everyChannel.sequence
        }.map(\.channel)
        let log = policyStatements.selectConsentLog
        log.reset()
        defer { log.reset() }
        log.bind(1, key)
        while try log.step() {
            report.entries.append(
                ConsentReport.Entry(
                    sequence: log.int64(0) ?? 0, subjectKind: .init(rawValue: log.string(1) ?? ""),
                    subject: try cipher.open(log.string(2)) ?? "", channel: log.string(3) ?? "",
                    action: .init(rawValue: log.string(4) ?? ""), route: .init(rawValue: log.string(5) ?? ""),
                    evidence: try cipher.open(log.string(6)), client: log.string(7) ?? "", at: log.int64(8) ?? 0))
        }
        return report
    }

    /// Moves a queued message to the end of its backup's queue: a new sequence number (so the backup's cursor
    /// reaches it), a fresh retry budget, and its attempts so far kept under the new number.
    /// - Returns: whether it moved (it may have finished meanwhile).
    func moveToBackup(_ move: FailoverMove, now: Int64) throws(StoreError) -> Bool {
        let next = try cached("SELECT COALESCE(MAX(seq), 0) + 1 FROM messages")
        guard try next.step(), let sequence = next.int64(0) else { return false }
        next.reset()
        let update = try cached(
            """
            UPDATE messages SET seq = ?2, channel = ?3, origin_channel = ?4, attempts = 0, next_attempt_at = 0,
                updated_at = ?5
            WHERE seq = ?1 AND state = 'queued'
            """)
        update.bind(1, move.sequence)
        update.bind(2, sequence)
        update.bind(3, move.channel)
        update.bind(4, move.origin)
        update.bind(5, now)
        try update.step()
        guard database.changes == 1 else { return false }
        let attempts = try cached("UPDATE attempts SET message_seq = ?2 WHERE message_seq = ?1")
        attempts.bind(1, move.sequence)
        attempts.bind(2, sequence)
        try attempts.step()
        return true
    }

    /// Deletes a bounded batch of cap events older than `cutoff`; whether the batch was full.
    func pruneCapEvents(before cutoff: Int64) throws(StoreError) -> Bool {
        let statement = policyStatements.pruneCapEvents
        statement.reset()
        statement.bind(1, cutoff)
        try statement.step()
        statement.reset()
        return database.changes >= 5000
    }
}
