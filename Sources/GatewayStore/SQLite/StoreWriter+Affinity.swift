import ControlProtocol

/// Channel scores and the `prefers:<type>` tag (design §7), updated in the transaction of the send or the
/// engagement, so what `channel: auto` reads is one commit old at most.
extension StoreWriter {
    /// Counts an admitted strategy send on the customer's score for its channel type (RUNS calls this when a
    /// send step's message is inserted).
    ///
    /// One upsert decays and counts in SQL (``ChannelScore/afterSend(_:at:)`` via `gw_decay`), one seek says
    /// whether any of the customer's types was ever engaged; only then are the rows read to move `prefers:<type>`.
    /// (Not `RETURNING`: SQLite buffers its rows in a temporary b-tree, a third of the upsert's cost.)
    func recordScoreSend(cn: Int64, channelType: String, at: Int64) throws(StoreError) {
        let upsert = runStatements.scoreSend
        upsert.reset()
        upsert.bind(1, cn)
        upsert.bind(2, channelType)
        upsert.bind(3, at)
        upsert.bind(4, runEvents.score.halfLife)
        try upsert.step()
        upsert.reset()
        let everEngaged = runStatements.everEngaged
        everEngaged.reset()
        everEngaged.bind(1, cn)
        let engaged = try everEngaged.step()
        everEngaged.reset()
        // Nobody ever engaged: no tag to earn or lose (the common case costs these two statements).
        guard engaged else { return }
        try updatePreference(cn: cn, rows: try customerStatements.scores(cn: cn), at: at)
    }

    /// Counts a touch's first open or click on the customer's score for its channel type.
    func recordScoreEngagement(cn: Int64, channelType: String, at: Int64) throws(StoreError) {
        var rows = try customerStatements.scores(cn: cn)
        let next = runEvents.score.afterEngagement(rows[channelType], at: at)
        rows[channelType] = next
        try storeScore(next, cn: cn, channelType: channelType)
        try updatePreference(cn: cn, rows: rows, at: at)
    }

    /// Adds, moves or removes `prefers:<type>` as the scores now say (with hysteresis, see ``ChannelScore``).
    private func updatePreference(cn: Int64, rows: [String: ChannelScoreRow], at: Int64) throws(StoreError) {
        let held = try cached(
            "SELECT tag FROM customer_tags WHERE cn = ?1 AND tag >= 'prefers:' AND tag < 'prefers;'")
        held.bind(1, cn)
        var current: [String] = []
        while try held.step() { current.append(held.string(0) ?? "") }
        held.reset()
        let holder = current.first.map { String($0.dropFirst(ChannelScore.tagPrefix.count)) }
        let wanted = runEvents.score.preferred(rows, current: holder, at: at)
        let wantedTag = wanted.map { ChannelScore.tagPrefix + $0 }
        var customer: String?
        func customerID() throws(StoreError) -> String {
            if let customer { return customer }
            let id = try customerStatements.record(cn: cn, cipher: cipher)?.id ?? ""
            customer = id
            return id
        }
        for tag in current where tag != wantedTag {
            if try customerStatements.removeTag(cn: cn, tag: tag), changes != nil {
                changes?.append(.tag(customer: try customerID(), tag: tag, added: false, source: "affinity", at: at))
            }
        }
        if let wantedTag, !current.contains(wantedTag),
            try customerStatements.addTag(cn: cn, tag: wantedTag, source: "affinity", at: at), changes != nil
        {
            changes?.append(.tag(customer: try customerID(), tag: wantedTag, added: true, source: "affinity", at: at))
        }
    }

    private func storeScore(_ row: ChannelScoreRow, cn: Int64, channelType: String) throws(StoreError) {
        let upsert = try cached(
            """
            INSERT INTO channel_scores (cn, channel_type, sends, engagements, sends_total, last_engaged_at,
                updated_at)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
            ON CONFLICT (cn, channel_type) DO UPDATE SET sends = excluded.sends, engagements = excluded.engagements,
                sends_total = excluded.sends_total, last_engaged_at = excluded.last_engaged_at,
                updated_at = excluded.updated_at
            """)
        upsert.bind(1, cn)
        upsert.bind(2, channelType)
        upsert.bind(3, row.sends)
        upsert.bind(4, row.engagements)
        upsert.bind(5, row.sendsTotal)
        upsert.bind(6, row.lastEngagedAt)
        upsert.bind(7, row.updatedAt)
        try upsert.step()
    }
}
