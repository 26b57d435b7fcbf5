import ControlProtocol

/// Conversion attribution (design §10), in the transaction of the event: each run of the customer whose goal is
/// this event, not yet converted and started within the goal window, is credited once, to its last (or first)
/// touch within the window; holdout runs and runs without a touch in the window are credited at `(entry)`.
extension StoreWriter {
    /// `cn` finds the customer's runs; `ck` is the subject the conversion is kept under (a pseudonym after forget).
    func attribute(ck: String, cn: Int64, event: String, at: Int64, value: Double?, now: Int64) throws(StoreError) {
        let select = try cached(
            """
            SELECT run_id, name, version, holdout, started_at, customer_sealed FROM runs
            WHERE cn = ?1 AND converted_at IS NULL ORDER BY started_at
            """)
        select.bind(1, cn)
        var candidates: [(runID: Int64, name: String, version: Int, holdout: Bool, startedAt: Int64, sealed: String?)] =
            []
        while try select.step() {
            candidates.append(
                (
                    select.int64(0) ?? 0, select.string(1) ?? "", select.int(2), select.int(3) != 0,
                    select.int64(4) ?? 0, select.string(5)
                ))
        }
        select.reset()
        for run in candidates {
            guard let rules = try versionRules(run.name, run.version), rules.goalEvent == event,
                run.startedAt <= at, run.startedAt >= at - rules.goalWithin
            else { continue }
            let credit = Attribution.credit(
                touches: try touches(of: run.runID), at: at, within: rules.goalWithin, firstTouch: rules.firstTouch)
            let insert = try cached(
                """
                INSERT INTO conversions (name, version, run_id, ck, holdout, event, value, at, last_step,
                    last_channel_type, first_step, first_channel_type)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
                """)
            insert.bind(1, run.name)
            insert.bind(2, run.version)
            insert.bind(3, run.runID)
            insert.bind(4, ck)
            insert.bind(5, run.holdout ? 1 : 0)
            insert.bind(6, event)
            insert.bind(7, value)
            insert.bind(8, at)
            insert.bind(9, credit.last?.step)
            insert.bind(10, credit.last?.channelType)
            insert.bind(11, credit.first?.step)
            insert.bind(12, credit.first?.channelType)
            try insert.step()
            // Once per run (not a state change: no revision, so it races nothing).
            let mark = try cached("UPDATE runs SET converted_at = ?2 WHERE run_id = ?1 AND converted_at IS NULL")
            mark.bind(1, run.runID)
            mark.bind(2, at)
            try mark.step()
            countStep(
                strategy: run.name, version: run.version, step: credit.credited?.step ?? StrategyReport.entryStep,
                channelType: credit.credited?.channelType ?? "", holdout: run.holdout,
                counter: StrategyReport.Counter.converted.rawValue, value: value ?? 0)
            if changes != nil {
                changes?.append(
                    .conversion(
                        runID: run.runID, strategy: run.name, customer: try cipher.open(run.sealed) ?? "",
                        step: credit.credited?.step, channelType: credit.credited?.channelType, value: value, at: at))
            }
        }
    }

    /// A run's sends that went out (touches), oldest first.
    private func touches(of runID: Int64) throws(StoreError) -> [Attribution.Touch] {
        let select = try cached(
            "SELECT visit, step, channel_type, at FROM run_steps WHERE run_id = ?1 AND outcome = 'sent' ORDER BY visit")
        select.bind(1, runID)
        var touches: [Attribution.Touch] = []
        while try select.step() {
            touches.append(
                Attribution.Touch(
                    visit: select.int(0), step: select.string(1) ?? "", channelType: select.string(2),
                    at: select.int64(3) ?? 0))
        }
        select.reset()
        return touches
    }
}
