import ChannelKit
import GatewayStore

/// Tags and channel scores a run changes (design §7), as `StoreWriter+Affinity` keeps them on SQLite. The score
/// arithmetic is ``ChannelScore``'s, in Swift, on the rows read in the same transaction.
extension PostgresRuns {
    /// Adds a tag; whether it was new.
    func addTag(cn: Int64, tag: String, source: String, at: Int64, on connection: PostgresConnection)
        throws(PostgresError) -> Bool
    {
        try query(
            on: connection,
            PostgresStatement(
                """
                INSERT INTO customer_tags (cn, tag, source, added_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING
                """, [String(cn), tag, source, String(at)])
        ).affected > 0
    }

    /// Removes a tag; whether it was there.
    func removeTag(cn: Int64, tag: String, on connection: PostgresConnection) throws(PostgresError) -> Bool {
        try query(
            on: connection,
            PostgresStatement("DELETE FROM customer_tags WHERE cn = $1 AND tag = $2", [String(cn), tag])
        ).affected > 0
    }

    /// The customer's score rows, locked for this transaction (a send and an engagement on two nodes update them
    /// one after the other).
    func scores(cn: Int64, on connection: PostgresConnection) throws(PostgresError) -> [String: ChannelScoreRow] {
        Self.scores(try query(on: connection, Self.lockScores(cn: cn)))
    }

    /// The statement reading (and locking) a customer's score rows, for ``scores(_:)``.
    static func lockScores(cn: Int64) -> PostgresStatement {
        PostgresCustomerDirectory.scores("cn = $1 ORDER BY channel_type FOR UPDATE", [String(cn)])
    }

    /// Score rows read by ``lockScores(cn:)``, by channel type.
    static func scores(_ rows: PostgresRows) -> [String: ChannelScoreRow] {
        var scores: [String: ChannelScoreRow] = [:]
        for row in rows.rows {
            guard let type = row[1] else { continue }
            scores[type] = PostgresCustomerDirectory.score(row, from: 2)
        }
        return scores
    }

    /// Counts an admitted strategy send on the customer's score for its channel type, and moves
    /// `prefers:<type>` if the scores now say so.
    /// - Parameter read: the rows, if the caller read them (locked) in this transaction already.
    /// - Returns: the rows as they are now.
    @discardableResult
    func recordScoreSend(
        cn: Int64, channelType: String, read: [String: ChannelScoreRow]? = nil, turn: inout PostgresTurn
    ) throws(PostgresError) -> [String: ChannelScoreRow] {
        var rows: [String: ChannelScoreRow]
        if let read { rows = read } else { rows = try scores(cn: cn, on: turn.connection) }
        let next = score.afterSend(rows[channelType], at: turn.now)
        rows[channelType] = next
        try storeScore(next, cn: cn, channelType: channelType, on: turn.connection)
        // Nobody ever engaged: no tag to earn or lose.
        guard rows.values.contains(where: { $0.lastEngagedAt != nil }) else { return rows }
        try updatePreference(cn: cn, rows: rows, turn: &turn)
        return rows
    }

    /// Counts a touch's first open or click on the customer's score for its channel type.
    func recordScoreEngagement(cn: Int64, channelType: String, at: Int64, turn: inout PostgresTurn)
        throws(PostgresError)
    {
        var rows = try scores(cn: cn, on: turn.connection)
        let next = score.afterEngagement(rows[channelType], at: at)
        rows[channelType] = next
        try storeScore(next, cn: cn, channelType: channelType, on: turn.connection)
        try updatePreference(cn: cn, rows: rows, turn: &turn)
    }

    /// Adds, moves or removes `prefers:<type>` as the scores now say (with hysteresis, see ``ChannelScore``).
    private func updatePreference(cn: Int64, rows: [String: ChannelScoreRow], turn: inout PostgresTurn)
        throws(PostgresError)
    {
        let connection = turn.connection
        let at = turn.now
        let held = try query(
            on: connection,
            PostgresStatement(
                "SELECT tag FROM customer_tags WHERE cn = $1 AND tag LIKE 'prefers:%' ORDER BY tag", [String(cn)]))
        let current = held.rows.compactMap { $0[0] }
        let holder = current.first.map { String($0.dropFirst(ChannelScore.tagPrefix.count)) }
        let wantedTag = score.preferred(rows, current: holder, at: at).map { ChannelScore.tagPrefix + $0 }
        var customer: String?
        func customerID() throws(PostgresError) -> String {
            if let customer { return customer }
            let sealed = try query(
                on: connection,
                PostgresStatement("SELECT id_sealed FROM customers WHERE cn = $1", [String(cn)])
            ).scalar
            let id = try open(sealed) ?? ""
            customer = id
            return id
        }
        for tag in current where tag != wantedTag {
            if try removeTag(cn: cn, tag: tag, on: connection), turn.changes != nil {
                turn.changes?.append(
                    .tag(customer: try customerID(), tag: tag, added: false, source: "affinity", at: at))
            }
        }
        if let wantedTag, !current.contains(wantedTag),
            try addTag(cn: cn, tag: wantedTag, source: "affinity", at: at, on: connection), turn.changes != nil
        {
            turn.changes?.append(
                .tag(customer: try customerID(), tag: wantedTag, added: true, source: "affinity", at: at))
        }
    }

    private func storeScore(_ row: ChannelScoreRow, cn: Int64, channelType: String, on connection: PostgresConnection)
        throws(PostgresError)
    {
        later(
            PostgresStatement(
                """
                INSERT INTO channel_scores (cn, channel_type, sends, engagements, sends_total, last_engaged_at,
                    updated_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7)
                ON CONFLICT (cn, channel_type) DO UPDATE SET sends = excluded.sends,
                    engagements = excluded.engagements, sends_total = excluded.sends_total,
                    last_engaged_at = excluded.last_engaged_at, updated_at = excluded.updated_at
                """,
                [
                    String(cn), channelType, String(row.sends), String(row.engagements), String(row.sendsTotal),
                    row.lastEngagedAt.map(String.init), String(row.updatedAt),
                ]))
    }
}
