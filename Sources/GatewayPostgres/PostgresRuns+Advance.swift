import ChannelKit
import ControlProtocol
import GatewayStore

/// The engine's advances and the `exit` operation on PostgreSQL, as `StoreWriter+Runs` applies them on SQLite.
extension PostgresRuns {
    /// Applies the engine's advances in order, their runs locked first; a lost compare-and-set (the run moved on
    /// since the engine read it, here or on another node) writes nothing for that run.
    func advance(
        _ advances: [RunAdvance], policy: AdmissionPolicy, intake: PostgresIntake, turn: inout PostgresTurn
    ) throws(PostgresError) -> [AdvanceResult] {
        let runs = try lockRuns(advances.map(\.runID), on: turn.connection)
        // The runs that advance, with their customer's id when something needs it (sealed: an AES-GCM open each).
        var live: [Int: (advance: RunAdvance, run: Row, customer: String?)] = [:]
        for (position, advance) in advances.enumerated() {
            guard let run = runs[advance.runID], run.state != .finished, run.rev == advance.expectedRev else {
                continue
            }
            let customer = advance.needsCustomerID(feed: turn.changes != nil) ? try open(run.customerSealed) : nil
            live[position] = (advance, run, customer)
        }
        // The first candidates' admission facts and the customers' scores, for the whole part in one round trip.
        var first: [AcceptRequest] = []
        var customers: Set<Int64> = []
        for position in live.keys.sorted() {
            guard let entry = live[position], case .send(let plan) = entry.advance.next, !entry.run.holdout,
                plan.unavailable == nil,
                let candidate = plan.candidates.first
            else { continue }
            first.append(candidate.request(for: entry.run, visit: entry.run.visit + 1, customer: entry.customer))
            customers.insert(entry.run.cn)
        }
        let facts: PostgresIntake.AdmissionFacts
        if first.isEmpty {
            facts = PostgresIntake.AdmissionFacts()
        } else {
            let reading = intake.readingPart(first, customers: customers, now: turn.now, policy: policy)
            facts = reading.take(try batch(on: turn.connection, reading.statements))
        }
        var results: [AdvanceResult] = []
        results.reserveCapacity(advances.count)
        for (position, advance) in advances.enumerated() {
            guard let entry = live[position] else {
                results.append(.lost(runID: advance.runID))
                continue
            }
            results.append(
                try self.advance(
                    advance, of: entry.run, customer: entry.customer, facts: facts, policy: policy, intake: intake,
                    turn: &turn))
        }
        return results
    }

    private func advance(
        _ advance: RunAdvance, of run: Row, customer: String?, facts: PostgresIntake.AdmissionFacts,
        policy: AdmissionPolicy, intake: PostgresIntake, turn: inout PostgresTurn
    ) throws(PostgresError) -> AdvanceResult {
        var visit = run.visit
        try write(advance.effects, of: run, customer: customer, visit: &visit, turn: &turn)
        let placement: RunPlacement
        var sendOutcome: AdvanceResult.SendOutcome?
        switch advance.next {
        case .transition(let transition):
            placement = RunPlacement(transition, current: run.step)
        case .send(let plan):
            (placement, sendOutcome) = try send(
                plan, of: run, customer: customer, visit: &visit, facts: facts, policy: policy, intake: intake,
                turn: &turn)
        }
        try settle(run, visit: visit, to: placement, customer: customer, turn: &turn)
        return .advanced(runID: run.runID, rev: run.rev + 1, state: placement.state, send: sendOutcome)
    }

    /// Writes the effects of executed steps: history rows (numbered on from `visit`), tags and handoffs.
    private func write(
        _ effects: RunEffects, of run: Row, customer: String?, visit: inout Int, turn: inout PostgresTurn
    ) throws(PostgresError) {
        let connection = turn.connection
        let now = turn.now
        for record in effects.records {
            visit += 1
            try insertStep(run, visit: visit, record, on: connection)
        }
        let source = "strategy:" + run.strategy
        for tag in effects.tagsAdded where try addTag(cn: run.cn, tag: tag, source: source, at: now, on: connection) {
            turn.changes?.append(.tag(customer: customer ?? "", tag: tag, added: true, source: source, at: now))
        }
        for tag in effects.tagsRemoved where try removeTag(cn: run.cn, tag: tag, on: connection) {
            turn.changes?.append(.tag(customer: customer ?? "", tag: tag, added: false, source: source, at: now))
        }
        guard let customer, !effects.handoffs.isEmpty else { return }
        let step = effects.records.last { $0.kind == "handoff" }?.step ?? "handoff"
        for target in effects.handoffs {
            let result = try enrol(
                Enrolment(
                    strategy: target, customer: customer, enrolKey: nil, startAt: now, client: "handoff:\(run.runID)"),
                turn: &turn)
            guard case .refused(let refusal) = result else { continue }
            visit += 1
            try insertStep(
                run, visit: visit,
                RunStepRecord(
                    step: step, kind: "handoff", outcome: .init(rawValue: "refused:" + refusal.rawValue), at: now),
                on: connection)
        }
    }

    /// Tries the plan's candidates with the admission every send passes; the first admitted now is inserted.
    private func send(
        _ plan: SendPlan, of run: Row, customer: String?, visit: inout Int, facts: PostgresIntake.AdmissionFacts,
        policy: AdmissionPolicy, intake: PostgresIntake, turn: inout PostgresTurn
    ) throws(PostgresError) -> (RunPlacement, AdvanceResult.SendOutcome?) {
        let connection = turn.connection
        let now = turn.now
        let touch = visit + 1
        if run.holdout {
            visit = touch
            try insertStep(
                run, visit: touch, RunStepRecord(step: plan.step, kind: "send", outcome: .heldOut, at: now),
                on: connection)
            return (try follow(plan.onSent, of: run, customer: customer, visit: &visit, turn: &turn), nil)
        }
        var reason = plan.unavailable
        var later: Int64?
        if plan.unavailable == nil {
            for candidate in plan.candidates {
                let request = candidate.request(for: run, visit: touch, customer: customer)
                // The part's first candidates were read together; a fallback reads what it adds, with the writes
                // pending before it.
                try intake.read(request, into: facts, now: now, policy: policy) { statements throws(PostgresError) in
                    try batch(on: connection, statements)
                }
                let decision = try intake.decide(request, with: facts, now: now, policy: policy)
                switch decision {
                case .send(let at) where at <= now:
                    for statement in try intake.inserting(request, admission: decision, now: now, policy: policy) {
                        self.later(statement)
                    }
                    turn.newMessages[request.message.channel, default: .zero][PriorityLane(request.message.category)] +=
                        1
                    if turn.changes != nil {
                        turn.changes?.append(
                            StateChange(
                                messageID: request.message.id, customer: request.customer,
                                channel: request.message.channel, category: request.message.category.name,
                                state: .queued, reason: nil, at: now))
                    }
                    let messageID = request.message.id
                    visit = touch
                    try insertStep(
                        run, visit: touch,
                        RunStepRecord(
                            step: plan.step, kind: "send", outcome: .sent, at: now, messageID: messageID,
                            instance: candidate.instance, channelType: candidate.channelType),
                        on: connection)
                    facts.scores[run.cn] = try recordScoreSend(
                        cn: run.cn, channelType: candidate.channelType, read: facts.scores[run.cn], turn: &turn)
                    let placement = try follow(plan.onSent, of: run, customer: customer, visit: &visit, turn: &turn)
                    return (placement, .sent(messageID: messageID, instance: candidate.instance))
                case .send(let at):
                    later = min(later ?? at, at)
                case .suppress(let why, _):
                    reason = reason ?? why.rawValue
                }
            }
        }
        if let later {
            // Not now but later (quiet hours, a deferred cap): no message; the run waits on its send step.
            let due = later + RunPlacement.spread(run.runID, over: plan.deferralSpread)
            visit = touch
            try insertStep(
                run, visit: touch, RunStepRecord(step: plan.step, kind: "send", outcome: .deferred, at: now),
                on: connection)
            return (RunPlacement(state: .ready, step: plan.step, timer: (due, .deferred)), .deferred(until: due))
        }
        let why = reason ?? "no_channel"
        visit = touch
        try insertStep(
            run, visit: touch, RunStepRecord(step: plan.step, kind: "send", outcome: .suppressed(why), at: now),
            on: connection)
        return (
            try follow(plan.onSuppressed, of: run, customer: customer, visit: &visit, turn: &turn),
            .suppressed(reason: why)
        )
    }

    private func follow(
        _ continuation: RunContinuation, of run: Row, customer: String?, visit: inout Int, turn: inout PostgresTurn
    ) throws(PostgresError) -> RunPlacement {
        try write(continuation.effects, of: run, customer: customer, visit: &visit, turn: &turn)
        return RunPlacement(continuation.transition, current: run.step)
    }

    // MARK: - Exits

    /// The `exit` operation: the run by id or the customer's active run of a strategy, cancelled at once.
    func exitRun(_ selector: RunSelector, turn: inout PostgresTurn) throws(PostgresError) -> RunExit {
        let connection = turn.connection
        let runID: Int64
        switch selector {
        case .run(let id):
            runID = id
        case .customer(let id, let strategy):
            guard let (cn, _) = try identity(ck: customerKey(id), on: connection) else { return .notFound }
            guard let active = try activeRun(strategy: strategy, cn: cn, on: connection) else {
                // Only finished runs: the operator hears that (conflict), as for an exit by run id.
                let newest = try query(
                    on: connection,
                    PostgresStatement(
                        """
                        SELECT run_id FROM runs WHERE cn = $1 AND name = $2 ORDER BY started_at DESC, run_id DESC
                        LIMIT 1
                        """, [String(cn), strategy])
                ).scalar.flatMap { Int64($0) }
                return newest.map { .alreadyFinished(runID: $0) } ?? .notFound
            }
            runID = active
        }
        guard let run = try lockRuns([runID], on: connection)[runID] else { return .notFound }
        let record = RunStepRecord(step: run.step, kind: "exit", outcome: .exited, at: turn.now)
        return try finishRun(run, outcome: .cancelled, withdrawReason: "run_exited", record: record, turn: &turn)
            ? .exited(runID: runID) : .alreadyFinished(runID: runID)
    }
}
