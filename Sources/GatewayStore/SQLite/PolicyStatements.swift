/// The writer's prepared statements for caps and consent.
struct PolicyStatements {
    let capEvents: SQLiteStatement
    let capEventsOfType: SQLiteStatement
    let insertCapEvent: SQLiteStatement
    let pruneCapEvents: SQLiteStatement
    let standing: SQLiteStatement
    let insertConsent: SQLiteStatement
    let upsertConsentState: SQLiteStatement
    let selectConsentLog: SQLiteStatement
    let selectOptedOut: SQLiteStatement

    init(_ database: SQLiteDatabase) throws(StoreError) {
        capEvents = try database.prepare(
            "SELECT at FROM cap_events WHERE subject = ?1 AND category = ?2 AND at > ?3 ORDER BY at")
        capEventsOfType = try database.prepare(
            """
            SELECT at FROM cap_events WHERE subject = ?1 AND category = ?2 AND at > ?3 AND channel_type = ?4
            ORDER BY at
            """)
        insertCapEvent = try database.prepare(
            "INSERT INTO cap_events (subject, channel_type, category, at, message_id) VALUES (?1, ?2, ?3, ?4, ?5)")
        pruneCapEvents = try database.prepare(
            "DELETE FROM cap_events WHERE rowid IN (SELECT rowid FROM cap_events WHERE at < ?1 LIMIT 5000)")
        // The latest decision for the channel type or for every channel wins.
        // Every decision of the subject (few rows, one seek of the primary key); the caller takes the latest of
        // its channel and `*`. `channel IN (?2, '*') ORDER BY log_seq` cost two temporary b-trees per send.
        standing = try database.prepare("SELECT channel, opted_out, log_seq FROM consent_state WHERE subject = ?1")
        insertConsent = try database.prepare(
            """
            INSERT INTO consent_log (subject, subject_kind, subject_text, channel, action, route, evidence, client, at)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
            """)
        upsertConsentState = try database.prepare(
            "INSERT OR REPLACE INTO consent_state (subject, channel, opted_out, log_seq) VALUES (?1, ?2, ?3, ?4)")
        selectConsentLog = try database.prepare(
            """
            SELECT seq, subject_kind, subject_text, channel, action, route, evidence, client, at
            FROM consent_log WHERE subject = ?1 ORDER BY seq
            """)
        selectOptedOut = try database.prepare(
            "SELECT channel, opted_out, log_seq FROM consent_state WHERE subject = ?1 ORDER BY channel")
    }
}
