extension StoreWriter {
    /// What a batch adds to one counter.
    struct StepCounterDelta {
        var n: Int
        var value: Double
    }

    /// Counts `n` (and adds `value`) to a step's counter. Accumulated per batch and written once before the
    /// commit (``flushStepCounters()``): a batch of 500 enrolments updates one row, not 500.
    /// - Parameters:
    ///   - channelType: the touch's channel type, or "" for counters that are not per channel.
    ///   - holdout: whether the run is in the holdout group (`grp` = `holdout`, else `treated`).
    func countStep(
        strategy: String, version: Int, step: String, channelType: String, holdout: Bool, counter: String,
        n: Int = 1, value: Double = 0
    ) {
        let key = StepCounterKey(
            strategy: strategy, version: version, step: step, channelType: channelType, holdout: holdout,
            counter: counter)
        // One hash lookup: the defaulted entry is modified in place.
        Self.add(n, value, to: &stepCounters[key, default: StepCounterDelta(n: 0, value: 0)])
    }

    private static func add(_ n: Int, _ value: Double, to delta: inout StepCounterDelta) {
        delta.n += n
        delta.value += value
    }

    /// Upserts the batch's counters; called inside the transaction right before the commit.
    func flushStepCounters() throws(StoreError) {
        guard !stepCounters.isEmpty else { return }
        defer { stepCounters.removeAll(keepingCapacity: true) }
        let upsert = try cached(
            """
            INSERT INTO step_counters (name, version, step, channel_type, grp, counter, n, value)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
            ON CONFLICT (name, version, step, channel_type, grp, counter)
            DO UPDATE SET n = n + excluded.n, value = value + excluded.value
            """)
        for (key, delta) in stepCounters {
            upsert.reset()
            upsert.bind(1, key.strategy)
            upsert.bind(2, key.version)
            upsert.bind(3, key.step)
            upsert.bind(4, key.channelType)
            upsert.bind(5, key.holdout ? "holdout" : "treated")
            upsert.bind(6, key.counter)
            upsert.bind(7, delta.n)
            upsert.bind(8, delta.value)
            try upsert.step()
        }
    }

    /// Forgets the counters of a batch that rolled back.
    func discardStepCounters() { stepCounters.removeAll(keepingCapacity: true) }
}
