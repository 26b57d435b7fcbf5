import ChannelKit
import GatewayStore

/// Enrolment on PostgreSQL, as `StoreWriter+Runs` enrols on SQLite. With several nodes, the partial unique index
/// `runs_active` refuses a second active run of a customer in a strategy (the second insert waits for the first
/// commit, then inserts nothing), and the enrol key's primary key makes a repeated key `duplicate` on any node.
extension PostgresRuns {
    /// An enrolment the batch inserts a run for.
    struct EnrolPlan {
        var index: Int
        var strategy: StrategyEntry
        var ck: String
        var cn: Int64
        var sealed: String?
        var holdout: Bool
        var state: RunState
        var step: String
        var startAt: Int64
    }

    /// A batch of enrolments in three round trips, whatever its size: the facts of every enrolment (customer,
    /// last entry, enrol key, active run) in one statement; the runs in one insert; then their entries, timers,
    /// first history rows and keys. Decided in order, as the SQLite writer enrols one after another: a second
    /// enrolment of a customer in the batch hears `duplicate` (same key) or `active`.
    func enrol(_ enrolments: [Enrolment], turn: inout PostgresTurn) throws(PostgresError) -> [EnrolResult] {
        guard !enrolments.isEmpty else { return [] }
        let connection = turn.connection
        let now = turn.now
        var strategies: [String: StrategyEntry] = [:]
        for name in Set(enrolments.map(\.strategy)) {
            if let entry = try strategyEntry(name, on: connection, now: now) { strategies[name] = entry }
        }
        let keys = enrolments.map { $0.enrolKey.map { cipher.dedupKey("e:" + $0) } }
        let facts = try query(
            on: connection,
            PostgresStatement(
                """
                SELECT u.i, c.cn, c.id_sealed, e.last_at, k.run_id, a.run_id, c.ck
                FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS u(ck, name, key, i)
                LEFT JOIN customers c ON c.ck = u.ck
                LEFT JOIN strategy_entries e ON e.cn = c.cn AND e.name = u.name
                LEFT JOIN enrol_keys k ON k.name = u.name AND k.cn = c.cn AND k.key = u.key AND k.created_at > $4
                LEFT JOIN runs a ON a.name = u.name AND a.cn = c.cn AND a.state != 'finished'
                """,
                [
                    PostgresArray.text(enrolments.map { customerKey($0.customer) }),
                    PostgresArray.text(enrolments.map(\.strategy)), PostgresArray.text(keys),
                    String(now - enrolKeyWindow),
                ]))
        var found: [Int: [String?]] = [:]
        for row in facts.rows {
            if let index = row[0].flatMap({ Int($0) }) { found[index - 1] = row }
        }

        // The decisions, in order.
        enum Decision {
            case done(EnrolResult)
            case insert
            /// A later enrolment of a pair the batch inserts first: answered once the first's run is known.
            case after(first: Int, sameKey: Bool)
        }
        var decisions: [Decision] = []
        var firstOfPair: [String: Int] = [:]
        for (index, enrolment) in enrolments.enumerated() {
            guard let strategy = strategies[enrolment.strategy] else {
                decisions.append(.done(.refused(.unknownStrategy)))
                continue
            }
            guard !strategy.retired else {
                decisions.append(.done(.refused(.retired)))
                continue
            }
            guard let row = found[index], let cn = row[1] else {
                decisions.append(.done(.refused(.unknownCustomer)))
                continue
            }
            if let runID = row[4].flatMap({ Int64($0) }) {
                decisions.append(.done(.duplicate(runID: runID)))
                continue
            }
            let pair = enrolment.strategy + "\u{0}" + cn
            if let first = firstOfPair[pair] {
                decisions.append(.after(first: first, sameKey: keys[index] != nil && keys[index] == keys[first]))
                continue
            }
            if let lastEntry = row[3].flatMap({ Int64($0) }) {
                let refusal: EnrolResult.Refusal? =
                    if let after = strategy.rules.reenterAfter { now - lastEntry < after ? .reenterAfter : nil } else {
                        .once
                    }
                // A customer still in a run hears that, rather than the entry rule it would meet afterwards.
                if let refusal {
                    decisions.append(.done(.refused(row[5] != nil ? .active : refusal)))
                    continue
                }
            }
            firstOfPair[pair] = index
            decisions.append(.insert)
        }

        // The runs: the partial unique index runs_active refuses a second active run of a pair (another node's,
        // committed first): no row, no error.
        var planned: [EnrolPlan] = []
        for (index, decision) in decisions.enumerated() {
            guard case .insert = decision, let row = found[index], let cn = row[1].flatMap({ Int64($0) }),
                let strategy = strategies[enrolments[index].strategy]
            else { continue }
            let ck = row[6] ?? ""
            let initialWait = strategy.rules.initialWait
            planned.append(
                EnrolPlan(
                    index: index, strategy: strategy, ck: ck, cn: cn, sealed: row[2],
                    holdout: HoldoutDraw.isHeldOut(
                        strategy: enrolments[index].strategy, customerKey: ck, share: strategy.rules.holdout),
                    state: initialWait == nil ? .ready : .waiting,
                    step: initialWait?.resume ?? strategy.rules.firstStep,
                    startAt: max(enrolments[index].startAt, now)))
        }
        var runIDs: [String: Int64] = [:]
        if !planned.isEmpty {
            let inserted = try query(
                on: connection,
                PostgresStatement(
                    """
                    INSERT INTO runs (name, version, ck, customer_sealed, state, step, rev, visit, holdout, started_at,
                        updated_at, cn)
                    SELECT name, version, ck, sealed, state, step, 1, visit, holdout, $9, $9, cn
                    FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[],
                        $8::bigint[], $10::bigint[]) AS p(name, version, ck, sealed, state, step, visit, holdout, cn)
                    ON CONFLICT DO NOTHING RETURNING run_id, name, cn
                    """,
                    [
                        PostgresArray.text(planned.map { enrolments[$0.index].strategy }),
                        PostgresArray.bigint(planned.map { Int64($0.strategy.latest) }),
                        PostgresArray.text(planned.map(\.ck)), PostgresArray.text(planned.map(\.sealed)),
                        PostgresArray.text(planned.map(\.state.rawValue)), PostgresArray.text(planned.map(\.step)),
                        PostgresArray.bigint(planned.map { $0.state == .waiting ? 1 : 0 }),
                        PostgresArray.bigint(planned.map { $0.holdout ? 1 : 0 }), String(now),
                        PostgresArray.bigint(planned.map(\.cn)),
                    ]))
            for row in inserted.rows {
                guard let runID = row[0].flatMap({ Int64($0) }), let name = row[1], let cn = row[2] else { continue }
                runIDs[name + "\u{0}" + cn] = runID
            }
        }
        let enrolled = planned.compactMap { plan -> (plan: EnrolPlan, runID: Int64)? in
            runIDs[enrolments[plan.index].strategy + "\u{0}" + String(plan.cn)].map { (plan, $0) }
        }
        try writeEnrolled(enrolled, enrolments: enrolments, keys: keys, turn: &turn)

        // The answers, in order.
        var results: [EnrolResult] = []
        results.reserveCapacity(enrolments.count)
        var byIndex: [Int: EnrolResult] = [:]
        for (plan, runID) in enrolled {
            byIndex[plan.index] = .enrolled(runID: runID, version: plan.strategy.latest, holdout: plan.holdout)
        }
        for (index, decision) in decisions.enumerated() {
            switch decision {
            case .done(let result):
                results.append(result)
            case .insert:
                results.append(byIndex[index] ?? .refused(.active))
            case .after(let first, let sameKey):
                if case .enrolled(let runID, _, _) = byIndex[first] {
                    results.append(sameKey ? .duplicate(runID: runID) : .refused(.active))
                } else {
                    results.append(.refused(.active))
                }
            }
        }
        return results
    }

    /// What follows a run's insert, for every run the batch inserted, in one round trip: the entry, the start
    /// timer (or a first `wait`'s history row and wake timer), the enrol key; then counters and feed lines.
    private func writeEnrolled(
        _ enrolled: [(plan: EnrolPlan, runID: Int64)], enrolments: [Enrolment], keys: [String?],
        turn: inout PostgresTurn
    ) throws(PostgresError) {
        guard !enrolled.isEmpty else { return }
        let now = turn.now
        let names = enrolled.map { enrolments[$0.plan.index].strategy }
        let runIDs = enrolled.map(\.runID)
        var statements = [
            PostgresStatement(
                """
                INSERT INTO strategy_entries (cn, name, first_at, last_at, entries)
                SELECT cn, name, $3, $3, 1 FROM unnest($1::bigint[], $2::text[]) AS e(cn, name)
                ON CONFLICT (cn, name) DO UPDATE SET last_at = excluded.last_at,
                    entries = strategy_entries.entries + 1
                """, [PostgresArray.bigint(enrolled.map(\.plan.cn)), PostgresArray.text(names), String(now)]),
            PostgresStatement(
                """
                INSERT INTO run_timers (run_id, due_at, rev, kind, claimed_by)
                SELECT run_id, due_at, 1, kind, $4 FROM unnest($1::bigint[], $2::bigint[], $3::text[])
                    AS t(run_id, due_at, kind)
                ON CONFLICT (run_id) DO UPDATE SET due_at = excluded.due_at, rev = excluded.rev, kind = excluded.kind,
                    claimed_by = excluded.claimed_by
                """,
                [
                    PostgresArray.bigint(runIDs),
                    PostgresArray.bigint(
                        enrolled.map { entry in
                            entry.plan.startAt + (entry.plan.strategy.rules.initialWait?.milliseconds ?? 0)
                        }),
                    PostgresArray.text(
                        enrolled.map { ($0.plan.strategy.rules.initialWait == nil ? TimerKind.start : .wake).rawValue }),
                    node,
                ]),
        ]
        // A first `wait`: parked on it here, as the interpreter would at the start timer.
        let waiting = enrolled.filter { $0.plan.strategy.rules.initialWait != nil }
        if !waiting.isEmpty {
            statements.append(
                PostgresStatement(
                    """
                    INSERT INTO run_steps (run_id, visit, step, kind, at, outcome)
                    SELECT run_id, 1, step, 'wait', at, $4 FROM unnest($1::bigint[], $2::text[], $3::bigint[])
                        AS s(run_id, step, at)
                    """,
                    [
                        PostgresArray.bigint(waiting.map(\.runID)),
                        PostgresArray.text(waiting.map(\.plan.strategy.rules.firstStep)),
                        PostgresArray.bigint(waiting.map(\.plan.startAt)), RunStepRecord.Outcome.waited.rawValue,
                    ]))
        }
        let keyed = enrolled.filter { keys[$0.plan.index] != nil }
        if !keyed.isEmpty {
            statements.append(
                PostgresStatement(
                    """
                    INSERT INTO enrol_keys (name, cn, key, run_id, created_at)
                    SELECT name, cn, key, run_id, $5 FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[])
                        AS k(name, cn, key, run_id)
                    ON CONFLICT (name, cn, key) DO UPDATE SET run_id = excluded.run_id,
                        created_at = excluded.created_at
                    """,
                    [
                        PostgresArray.text(keyed.map { enrolments[$0.plan.index].strategy }),
                        PostgresArray.bigint(keyed.map(\.plan.cn)),
                        PostgresArray.text(keyed.map { keys[$0.plan.index] }),
                        PostgresArray.bigint(keyed.map(\.runID)), String(now),
                    ]))
        }
        for statement in statements { later(statement) }
        for (plan, runID) in enrolled {
            let name = enrolments[plan.index].strategy
            let version = plan.strategy.latest
            let dueAt = plan.startAt + (plan.strategy.rules.initialWait?.milliseconds ?? 0)
            noteTimer(dueAt: dueAt)
            if plan.strategy.rules.initialWait != nil {
                countStep(
                    strategy: name, version: version, step: plan.strategy.rules.firstStep, channelType: "",
                    holdout: plan.holdout, counter: RunStepRecord.Outcome.waited.rawValue)
            }
            countStep(
                strategy: name, version: version, step: "(run)", channelType: "", holdout: plan.holdout,
                counter: "entered")
            if turn.changes != nil {
                turn.changes?.append(
                    .run(
                        runID: runID, strategy: name, version: version, customer: enrolments[plan.index].customer,
                        step: plan.step, state: plan.state.rawValue, outcome: nil, at: now))
            }
        }
    }

    /// One enrolment (a handoff's).
    func enrol(_ enrolment: Enrolment, turn: inout PostgresTurn) throws(PostgresError) -> EnrolResult {
        try enrol([enrolment], turn: &turn)[0]
    }

    /// The customer's active run of a strategy, if any (index runs_active).
    func activeRun(strategy: String, cn: Int64, on connection: PostgresConnection) throws(PostgresError) -> Int64? {
        try query(
            on: connection,
            PostgresStatement(
                "SELECT run_id FROM runs WHERE name = $1 AND cn = $2 AND state != 'finished'", [strategy, String(cn)])
        ).scalar.flatMap { Int64($0) }
    }
}
