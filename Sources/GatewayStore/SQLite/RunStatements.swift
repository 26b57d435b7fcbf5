/// The writer's prepared statements for strategy runs: enrolment, the compare-and-set that every settler uses,
/// timers and history. Prepared once; the hot ones bind every parameter on every use.
struct RunStatements {
    let selectStrategy: SQLiteStatement
    let selectEnrolKey: SQLiteStatement
    let insertEnrolKey: SQLiteStatement
    let selectEntry: SQLiteStatement
    let upsertEntry: SQLiteStatement
    let selectActive: SQLiteStatement
    let insertRun: SQLiteStatement
    let selectRun: SQLiteStatement
    let settle: SQLiteStatement
    let upsertTimer: SQLiteStatement
    let deleteTimer: SQLiteStatement
    let insertStep: SQLiteStatement
    let settleInPlace: SQLiteStatement
    /// Every strategy send runs these two (StoreWriter+Affinity): prepared here rather than looked up by their text.
    let scoreSend: SQLiteStatement
    let everEngaged: SQLiteStatement
    let queuedMessagesOfRun: SQLiteStatement
    let withdrawMessage: SQLiteStatement

    init(_ database: SQLiteDatabase) throws(StoreError) {
        selectStrategy = try database.prepare(
            """
            SELECT s.latest, s.retired, v.rules FROM strategies s
            JOIN strategy_versions v ON v.name = s.name AND v.version = s.latest WHERE s.name = ?1
            """)
        // A key older than the window (?3 = now - window) no longer counts; enrolling again replaces it.
        selectEnrolKey = try database.prepare(
            "SELECT run_id FROM enrol_keys WHERE name = ?1 AND cn = ?2 AND key = ?3 AND created_at > ?4")
        insertEnrolKey = try database.prepare(
            """
            INSERT INTO enrol_keys (name, cn, key, run_id, created_at) VALUES (?1, ?5, ?2, ?3, ?4)
            ON CONFLICT (name, cn, key) DO UPDATE SET run_id = excluded.run_id, created_at = excluded.created_at
            """)
        selectEntry = try database.prepare("SELECT last_at FROM strategy_entries WHERE cn = ?1 AND name = ?2")
        upsertEntry = try database.prepare(
            """
            INSERT INTO strategy_entries (cn, name, first_at, last_at, entries) VALUES (?1, ?2, ?3, ?3, 1)
            ON CONFLICT (cn, name) DO UPDATE SET last_at = excluded.last_at, entries = entries + 1
            """)
        selectActive = try database.prepare(
            "SELECT run_id FROM runs WHERE name = ?1 AND cn = ?2 AND state != 'finished'")
        // The partial unique index runs_active refuses a second active run of a pair: no row, no error.
        insertRun = try database.prepare(
            """
            INSERT INTO runs (name, version, ck, customer_sealed, state, step, rev, visit, holdout, started_at,
                updated_at, cn)
            VALUES (?1, ?2, ?3, ?4, ?8, ?5, 1, ?9, ?6, ?7, ?7, ?10) ON CONFLICT DO NOTHING
            """)
        selectRun = try database.prepare(
            "SELECT name, version, ck, customer_sealed, state, step, rev, visit, holdout, cn FROM runs WHERE run_id = ?1"
        )
        // The one compare-and-set (design §5): changes() == 1 means this settler won.
        settle = try database.prepare(
            """
            UPDATE runs SET state = ?3, step = ?4, rev = rev + 1, visit = ?5, wait_event = ?6, wait_ref = ?7,
                on_event = ?8, outcome = ?9, updated_at = ?10, finished_at = ?11
            WHERE run_id = ?1 AND rev = ?2
            """)
        // The same set for a run that keeps its state (waiting → waiting, the usual advance): leaving `state` and
        // `finished_at` alone spares the partial indexes runs_active and runs_finished a delete and an insert
        // each. ?3 (the state, unchanged) goes unused.
        settleInPlace = try database.prepare(
            """
            UPDATE runs SET step = ?4, rev = rev + 1, visit = ?5, wait_event = ?6, wait_ref = ?7, on_event = ?8,
                outcome = ?9, updated_at = ?10
            WHERE run_id = ?1 AND rev = ?2
            """)
        // ?3 = now, ?4 = half-life (`gw_decay` is registered before the writer prepares this). SET expressions read
        // the old row, so `updated_at` in them is the old time.
        scoreSend = try database.prepare(
            """
            INSERT INTO channel_scores (cn, channel_type, sends, engagements, sends_total, last_engaged_at,
                updated_at)
            VALUES (?1, ?2, 1.0, 0.0, 1, NULL, ?3)
            ON CONFLICT (cn, channel_type) DO UPDATE SET
                sends = CASE WHEN ?3 > updated_at THEN sends * gw_decay(?3 - updated_at, ?4) ELSE sends END + 1.0,
                engagements = CASE WHEN ?3 > updated_at THEN engagements * gw_decay(?3 - updated_at, ?4)
                    ELSE engagements END,
                sends_total = sends_total + 1, updated_at = MAX(updated_at, ?3)
            """)
        everEngaged = try database.prepare(
            "SELECT 1 FROM channel_scores WHERE cn = ?1 AND last_engaged_at IS NOT NULL LIMIT 1")
        upsertTimer = try database.prepare(
            """
            INSERT INTO run_timers (run_id, due_at, rev, kind) VALUES (?1, ?2, ?3, ?4)
            ON CONFLICT (run_id) DO UPDATE SET due_at = excluded.due_at, rev = excluded.rev, kind = excluded.kind
            """)
        deleteTimer = try database.prepare("DELETE FROM run_timers WHERE run_id = ?1")
        insertStep = try database.prepare(
            """
            INSERT INTO run_steps (run_id, visit, step, kind, at, outcome, message_id, instance, channel_type)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
            """)
        // By the customer's number (index messages_customer), then the run.
        queuedMessagesOfRun = try database.prepare(
            "SELECT seq, channel FROM messages WHERE customer_number = ?1 AND run_id = ?2 AND state = 'queued'")
        withdrawMessage = try database.prepare(
            """
            UPDATE messages SET state = 'cancelled', reason = ?2, reason_code = NULL, reason_detail = NULL,
                updated_at = ?3
            WHERE seq = ?1 AND state = 'queued'
            """)
    }
}
