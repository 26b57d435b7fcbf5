/// Strategy registration and what operators read about strategies and runs, on the writer (low rate: these run
/// in the existing `perform` transaction and answer after everything queued before them is committed).
extension StoreWriter {
    /// Stores each strategy's version: a new fingerprint becomes version N+1; names not given are retired (their
    /// runs go on). The latest version per given name.
    func register(_ strategies: [StrategyRules], now: Int64) throws(StoreError) -> [String: Int] {
        let latest = try cached(
            """
            SELECT s.latest, v.fingerprint, v.rules FROM strategies s
            JOIN strategy_versions v ON v.name = s.name AND v.version = s.latest WHERE s.name = ?1
            """)
        let insertVersion = try cached(
            """
            INSERT INTO strategy_versions (name, version, fingerprint, source, rules, loaded_at)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6)
            """)
        let updateRules = try cached("UPDATE strategy_versions SET rules = ?3 WHERE name = ?1 AND version = ?2")
        let upsertStrategy = try cached(
            """
            INSERT INTO strategies (name, latest, retired) VALUES (?1, ?2, 0)
            ON CONFLICT (name) DO UPDATE SET latest = excluded.latest, retired = 0
            """)
        var versions: [String: Int] = [:]
        for rules in strategies {
            latest.reset()
            latest.bind(1, rules.name)
            var version = 1
            var stored: (fingerprint: String, rules: String)?
            if try latest.step() {
                version = latest.int(0)
                stored = (latest.string(1) ?? "", latest.string(2) ?? "")
            }
            latest.reset()
            let json = rules.storedJSON
            if let stored, stored.fingerprint == rules.fingerprint {
                // Same file: the same version (rules derived from it may have gained a field since).
                if stored.rules != json {
                    updateRules.reset()
                    updateRules.bind(1, rules.name)
                    updateRules.bind(2, version)
                    updateRules.bind(3, json)
                    try updateRules.step()
                }
            } else {
                if stored != nil { version += 1 }
                insertVersion.reset()
                insertVersion.bind(1, rules.name)
                insertVersion.bind(2, version)
                insertVersion.bind(3, rules.fingerprint)
                insertVersion.bind(4, rules.source)
                insertVersion.bind(5, json)
                insertVersion.bind(6, now)
                try insertVersion.step()
            }
            upsertStrategy.reset()
            upsertStrategy.bind(1, rules.name)
            upsertStrategy.bind(2, version)
            try upsertStrategy.step()
            versions[rules.name] = version
        }
        let names = try cached("SELECT name FROM strategies WHERE retired = 0")
        var retiring: [String] = []
        while try names.step() {
            if let name = names.string(0), versions[name] == nil { retiring.append(name) }
        }
        names.reset()
        let retire = try cached("UPDATE strategies SET retired = 1 WHERE name = ?1")
        for name in retiring {
            retire.reset()
            retire.bind(1, name)
            try retire.step()
        }
        strategyCache.removeAll()
        return versions
    }

    /// A customer's runs, newest first, with timer and history.
    func runSnapshots(of customer: String, limit: Int) throws(StoreError) -> [RunSnapshot] {
        guard let cn = try customerStatements.number(ck: customerKey(customer)) else { return [] }
        let select = try cached(
            RunRows.columns + " WHERE r.cn = ?1 ORDER BY r.started_at DESC, r.run_id DESC LIMIT ?2")
        select.bind(1, cn)
        select.bind(2, max(0, limit))
        var runs: [RunSnapshot] = []
        while try select.step() { runs.append(RunRows.snapshot(select)) }
        select.reset()
        let history = try cached(RunRows.history)
        for index in runs.indices { runs[index].history = try RunRows.history(of: runs[index].runID, history) }
        return runs
    }

    /// Every strategy with its versions; run counts from the `(run)` counters (no scan of runs).
    func strategyList() throws(StoreError) -> [StrategyVersionInfo] {
        let select = try cached("SELECT name, latest, retired FROM strategies ORDER BY name")
        var list: [StrategyVersionInfo] = []
        while try select.step() {
            list.append(
                StrategyVersionInfo(
                    name: select.string(0) ?? "", latest: select.int(1), retired: select.int(2) != 0, versions: []))
        }
        select.reset()
        let versions = try cached(
            "SELECT version, fingerprint, loaded_at FROM strategy_versions WHERE name = ?1 ORDER BY version")
        let counts = try cached(
            """
            SELECT counter, SUM(n) FROM step_counters
            WHERE name = ?1 AND version = ?2 AND step = '(run)' AND counter IN ('entered', 'finished')
            GROUP BY counter
            """)
        for index in list.indices {
            versions.reset()
            versions.bind(1, list[index].name)
            var found: [StrategyVersionInfo.Version] = []
            while try versions.step() {
                found.append(
                    .init(
                        version: versions.int(0), fingerprint: versions.string(1) ?? "",
                        loadedAt: versions.int64(2) ?? 0, active: 0, finished: 0))
            }
            versions.reset()
            for slot in found.indices {
                counts.reset()
                counts.bind(1, list[index].name)
                counts.bind(2, found[slot].version)
                var entered = 0
                while try counts.step() {
                    if counts.string(0) == "entered" {
                        entered = counts.int(1)
                    } else {
                        found[slot].finished = counts.int(1)
                    }
                }
                counts.reset()
                found[slot].active = max(0, entered - found[slot].finished)
            }
            list[index].versions = found
        }
        return list
    }

    /// Deletes a bounded batch of runs finished before `cutoff`, with their history (index runs_finished); the
    /// counters and entries stay. Whether the batch was full.
    func pruneFinishedRuns(before cutoff: Int64) throws(StoreError) -> Bool {
        let oldest =
            "SELECT run_id FROM runs WHERE state = 'finished' AND finished_at < ?1 LIMIT \(Self.pruneBatch)"
        let steps = try cached("DELETE FROM run_steps WHERE run_id IN (\(oldest))")
        steps.bind(1, cutoff)
        try steps.step()
        let runs = try cached("DELETE FROM runs WHERE run_id IN (\(oldest))")
        runs.bind(1, cutoff)
        try runs.step()
        let full = database.changes >= Self.pruneBatch
        releaseCachedStatements()
        return full
    }

    /// Deletes enrol keys past the enrol-key window, a batch at a time (index enrol_keys_created): a key that
    /// no longer answers `duplicate` is only space. Returns whether a full batch went.
    func pruneEnrolKeys(before cutoff: Int64) throws(StoreError) -> Bool {
        let delete = try cached(
            """
            DELETE FROM enrol_keys WHERE (name, cn, key) IN
                (SELECT name, cn, key FROM enrol_keys WHERE created_at < ?1 LIMIT \(Self.pruneBatch))
            """)
        delete.bind(1, cutoff)
        try delete.step()
        let full = database.changes >= Self.pruneBatch
        releaseCachedStatements()
        return full
    }
}
