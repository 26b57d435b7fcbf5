import ChannelKit
import ControlProtocol

/// Strategy runs on the writer thread (design §5, §6): enrolment under the entry rules, the engine's advances
/// by compare-and-set on `runs.rev` with everything they cause in the same transaction, and exits.
extension StoreWriter {
    /// The strategy as enrolments see it (cached; the batch that registers clears its names).
    func strategyEntry(_ name: String) throws(StoreError) -> StrategyEntry? {
        if let cached = strategyCache[name] { return cached }
        let select = runStatements.selectStrategy
        select.reset()
        defer { select.reset() }
        select.bind(1, name)
        guard try select.step() else { return nil }
        let entry = StrategyEntry(
            latest: select.int(0), retired: select.int(1) != 0,
            rules: try StrategyRules(storedJSON: select.string(2) ?? "{}", source: ""))
        strategyCache[name] = entry
        return entry
    }

    // MARK: - Enrolment

    /// Enrols each customer (a few primary-key statements each; counters and the feed are batched).
    func enrol(_ enrolments: ArraySlice<Enrolment>, now: Int64) throws(StoreError) -> [EnrolResult] {
        var results: [EnrolResult] = []
        results.reserveCapacity(enrolments.count)
        for enrolment in enrolments { results.append(try enrol(enrolment, now: now)) }
        return results
    }

    /// One enrolment: refusals first (unknown or retired strategy, repeated enrol key, unknown customer, entry
    /// rules), then the run row, its start timer (or, for a first `wait`, that wait's row and wake timer), the
    /// entry and the key.
    func enrol(_ enrolment: Enrolment, now: Int64) throws(StoreError) -> EnrolResult {
        let name = enrolment.strategy
        guard let strategy = try strategyEntry(name) else { return .refused(.unknownStrategy) }
        guard !strategy.retired else { return .refused(.retired) }
        let statements = runStatements
        let ck = customerKey(enrolment.customer)
        guard let (cn, sealed) = try customerStatements.identity(ck: ck) else { return .refused(.unknownCustomer) }
        // A key is the customer's (schema v6): found beside the customer's rows, not at a random page.
        var enrolKey: String?
        if let key = enrolment.enrolKey {
            let keyed = cipher.dedupKey("e:" + key)
            enrolKey = keyed
            let select = statements.selectEnrolKey
            select.reset()
            defer { select.reset() }
            select.bind(1, name)
            select.bind(2, cn)
            select.bind(3, keyed)
            select.bind(4, now - enrolKeyWindow)
            if try select.step(), let runID = select.int64(0) { return .duplicate(runID: runID) }
        }
        let rules = strategy.rules
        let entry = statements.selectEntry
        entry.reset()
        entry.bind(1, cn)
        entry.bind(2, name)
        let lastEntry = try entry.step() ? entry.int64(0) : nil
        entry.reset()
        if let lastEntry {
            let refusal: EnrolResult.Refusal? =
                if let after = rules.reenterAfter { now - lastEntry < after ? .reenterAfter : nil } else { .once }
            // A customer still in a run hears that, rather than the entry rule it would meet afterwards.
            if let refusal { return .refused(try activeRun(strategy: name, cn: cn) != nil ? .active : refusal) }
        }
        let holdout = HoldoutDraw.isHeldOut(strategy: name, customerKey: ck, share: rules.holdout)
        let startAt = max(enrolment.startAt, now)
        // A first `wait`: parked on it here, as the interpreter would at the start timer (state, resume step,
        // wake timer, history row), saving that fire's read and advance.
        let initialWait = rules.initialWait
        let state: RunState = initialWait == nil ? .ready : .waiting
        let step = initialWait?.resume ?? rules.firstStep
        let insert = statements.insertRun
        insert.reset()
        insert.bind(1, name)
        insert.bind(2, strategy.latest)
        insert.bind(3, ck)
        insert.bind(4, sealed)
        insert.bind(5, step)
        insert.bind(6, holdout ? 1 : 0)
        insert.bind(7, now)
        insert.bind(8, state.rawValue)
        insert.bind(9, initialWait == nil ? 0 : 1)
        insert.bind(10, cn)
        try insert.step()
        guard database.changes == 1 else { return .refused(.active) }
        let runID = database.lastInsertRowID
        let upsert = statements.upsertEntry
        upsert.reset()
        upsert.bind(1, cn)
        upsert.bind(2, name)
        upsert.bind(3, now)
        try upsert.step()
        if let initialWait {
            let run = RunRow(
                runID: runID, strategy: name, version: strategy.latest, ck: ck, cn: cn, customerSealed: sealed,
                state: state, step: step, rev: 1, visit: 1, holdout: holdout)
            try insertStep(
                run, visit: 1, RunStepRecord(step: rules.firstStep, kind: "wait", outcome: .waited, at: startAt))
            try setTimer(runID, at: startAt + initialWait.milliseconds, rev: 1, kind: .wake)
        } else {
            try setTimer(runID, at: startAt, rev: 1, kind: .start)
        }
        if let enrolKey {
            let remember = statements.insertEnrolKey
            remember.reset()
            remember.bind(1, name)
            remember.bind(2, enrolKey)
            remember.bind(3, runID)
            remember.bind(4, now)
            remember.bind(5, cn)
            try remember.step()
        }
        countStep(
            strategy: name, version: strategy.latest, step: "(run)", channelType: "", holdout: holdout,
            counter: "entered")
        if changes != nil {
            changes?.append(
                .run(
                    runID: runID, strategy: name, version: strategy.latest, customer: enrolment.customer,
                    step: step, state: state.rawValue, outcome: nil, at: now))
        }
        return .enrolled(runID: runID, version: strategy.latest, holdout: holdout)
    }

    /// The customer's active run of a strategy, if any (index runs_active).
    func activeRun(strategy: String, cn: Int64) throws(StoreError) -> Int64? {
        let select = runStatements.selectActive
        select.reset()
        defer { select.reset() }
        select.bind(1, strategy)
        select.bind(2, cn)
        return try select.step() ? select.int64(0) : nil
    }

    /// The customer's newest run of a strategy, in any state (index runs_customer).
    private func newestRun(strategy name: String, cn: Int64) throws(StoreError) -> Int64? {
        let select = try cached(
            "SELECT run_id FROM runs WHERE cn = ?1 AND name = ?2 ORDER BY started_at DESC, run_id DESC LIMIT 1")
        defer { select.reset() }
        select.bind(1, cn)
        select.bind(2, name)
        return try select.step() ? select.int64(0) : nil
    }

    // MARK: - Advances

    /// Applies the engine's advances in order; a lost compare-and-set writes nothing for that run.
    func advance(
        _ advances: ArraySlice<RunAdvance>, now: Int64, policy: AdmissionPolicy,
        newMessages: inout [String: LaneCounts]
    ) throws(StoreError) -> [AdvanceResult] {
        var results: [AdvanceResult] = []
        results.reserveCapacity(advances.count)
        for advance in advances {
            results.append(try self.advance(advance, now: now, policy: policy, newMessages: &newMessages))
        }
        return results
    }

    private func advance(
        _ advance: RunAdvance, now: Int64, policy: AdmissionPolicy, newMessages: inout [String: LaneCounts]
    ) throws(StoreError) -> AdvanceResult {
        guard let run = try runRow(advance.runID), run.state != .finished, run.rev == advance.expectedRev else {
            return .lost(runID: advance.runID)
        }
        // The customer's id is opened only when something here needs it (sealed: an AES-GCM open per run).
        let customer = advance.needsCustomerID(feed: changes != nil) ? try cipher.open(run.customerSealed) : nil
        var visit = run.visit
        try write(advance.effects, of: run, customer: customer, visit: &visit, now: now)
        let placement: RunPlacement
        var sendOutcome: AdvanceResult.SendOutcome?
        switch advance.next {
        case .transition(let transition):
            placement = RunPlacement(transition, current: run.step)
        case .send(let plan):
            (placement, sendOutcome) = try send(
                plan, of: run, customer: customer, visit: &visit, now: now, policy: policy, newMessages: &newMessages)
        }
        guard try settle(run, visit: visit, to: placement, customer: customer, now: now) else {
            // Read and written in one transaction by the only writer: a lost set here is a bug, not a race.
            throw StoreError.statementFailed("run \(run.runID) changed under its writer")
        }
        return .advanced(runID: run.runID, rev: run.rev + 1, state: placement.state, send: sendOutcome)
    }

    /// The run's row, or `nil` if there is none (pruned or forgotten).
    func runRow(_ runID: Int64) throws(StoreError) -> RunRow? {
        let select = runStatements.selectRun
        select.reset()
        defer { select.reset() }
        select.bind(1, runID)
        guard try select.step() else { return nil }
        return RunRow(
            runID: runID, strategy: select.string(0) ?? "", version: select.int(1), ck: select.string(2) ?? "",
            cn: select.int64(9) ?? 0, customerSealed: select.string(3),
            state: RunState(rawValue: select.string(4) ?? "") ?? .ready,
            step: select.string(5) ?? "", rev: select.int64(6) ?? 0, visit: select.int(7),
            holdout: select.int(8) != 0)
    }

    /// Writes the effects of executed steps: history rows (numbered on from `visit`), tags and handoffs.
    private func write(
        _ effects: RunEffects, of run: RunRow, customer: String?, visit: inout Int, now: Int64
    ) throws(StoreError) {
        for record in effects.records {
            visit += 1
            try insertStep(run, visit: visit, record)
        }
        let source = "strategy:" + run.strategy
        for tag in effects.tagsAdded where try customerStatements.addTag(cn: run.cn, tag: tag, source: source, at: now)
        {
            changes?.append(.tag(customer: customer ?? "", tag: tag, added: true, source: source, at: now))
        }
        for tag in effects.tagsRemoved where try customerStatements.removeTag(cn: run.cn, tag: tag) {
            changes?.append(.tag(customer: customer ?? "", tag: tag, added: false, source: source, at: now))
        }
        guard let customer, !effects.handoffs.isEmpty else { return }
        let step = effects.records.last { $0.kind == "handoff" }?.step ?? "handoff"
        for target in effects.handoffs {
            let result = try enrol(
                Enrolment(
                    strategy: target, customer: customer, enrolKey: nil, startAt: now, client: "handoff:\(run.runID)"),
                now: now)
            guard case .refused(let refusal) = result else { continue }
            visit += 1
            try insertStep(
                run, visit: visit,
                RunStepRecord(
                    step: step, kind: "handoff", outcome: .init(rawValue: "refused:" + refusal.rawValue), at: now))
        }
    }

    /// Tries the plan's candidates with the admission every send passes; the first admitted now is inserted.
    private func send(
        _ plan: SendPlan, of run: RunRow, customer: String?, visit: inout Int, now: Int64, policy: AdmissionPolicy,
        newMessages: inout [String: LaneCounts]
    ) throws(StoreError) -> (RunPlacement, AdvanceResult.SendOutcome?) {
        let touch = visit + 1
        if run.holdout {
            visit = touch
            try insertStep(run, visit: touch, RunStepRecord(step: plan.step, kind: "send", outcome: .heldOut, at: now))
            return (try follow(plan.onSent, of: run, customer: customer, visit: &visit, now: now), nil)
        }
        var reason = plan.unavailable
        var later: Int64?
        if plan.unavailable == nil {
            for candidate in plan.candidates {
                let request = candidate.request(for: run, visit: touch, customer: customer)
                let decision = try admit(request, now: now, policy: policy)
                switch decision {
                case .send(let at) where at <= now:
                    let messageID: String
                    switch accept(request, now: now, policy: policy, decided: decision) {
                    case .queued(let id), .deferred(let id, _):
                        newMessages[request.message.channel, default: .zero][PriorityLane(request.message.category)] +=
                            1
                        messageID = id
                    case .duplicate(let id):
                        messageID = id  // Not claimed (no key), so never; the run's compare-and-set dedups.
                    case .failed(let error):
                        throw error
                    case .suppressed(_, let why, _):
                        reason = reason ?? why.rawValue
                        continue
                    }
                    visit = touch
                    try insertStep(
                        run, visit: touch,
                        RunStepRecord(
                            step: plan.step, kind: "send", outcome: .sent, at: now, messageID: messageID,
                            instance: candidate.instance, channelType: candidate.channelType))
                    // The send counts on the customer's channel score (EVT: StoreWriter+Affinity).
                    try recordScoreSend(cn: run.cn, channelType: candidate.channelType, at: now)
                    let placement = try follow(plan.onSent, of: run, customer: customer, visit: &visit, now: now)
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
            try insertStep(run, visit: touch, RunStepRecord(step: plan.step, kind: "send", outcome: .deferred, at: now))
            return (RunPlacement(state: .ready, step: plan.step, timer: (due, .deferred)), .deferred(until: due))
        }
        let why = reason ?? "no_channel"
        visit = touch
        try insertStep(
            run, visit: touch, RunStepRecord(step: plan.step, kind: "send", outcome: .suppressed(why), at: now))
        return (
            try follow(plan.onSuppressed, of: run, customer: customer, visit: &visit, now: now),
            .suppressed(reason: why)
        )
    }

    private func follow(
        _ continuation: RunContinuation, of run: RunRow, customer: String?, visit: inout Int, now: Int64
    ) throws(StoreError) -> RunPlacement {
        try write(continuation.effects, of: run, customer: customer, visit: &visit, now: now)
        return RunPlacement(continuation.transition, current: run.step)
    }

    /// Writes a history row and counts its outcome for the step (and channel type, for touches).
    func insertStep(_ run: RunRow, visit: Int, _ record: RunStepRecord) throws(StoreError) {
        let insert = runStatements.insertStep
        insert.reset()
        insert.bind(1, run.runID)
        insert.bind(2, visit)
        insert.bind(3, record.step)
        insert.bind(4, record.kind)
        insert.bind(5, record.at)
        insert.bind(6, record.outcome.rawValue)
        insert.bind(7, record.messageID)
        insert.bind(8, record.instance)
        insert.bind(9, record.channelType)
        try insert.step()
        countStep(
            strategy: run.strategy, version: run.version, step: record.step, channelType: record.channelType ?? "",
            holdout: run.holdout, counter: record.outcome.rawValue)
    }

    // MARK: - The compare-and-set

    /// Moves a run from the revision it was read at (`run.rev`) to `placement`, with its timer; `false` (nothing
    /// written) if another settler changed it first. Every settler goes through here: advances, exits, events.
    func settle(
        _ run: RunRow, visit: Int, to placement: RunPlacement, customer: String?, now: Int64
    ) throws(StoreError) -> Bool {
        let inPlace = placement.state == run.state && placement.state != .finished
        let update = inPlace ? runStatements.settleInPlace : runStatements.settle
        update.reset()
        update.bind(1, run.runID)
        update.bind(2, run.rev)
        update.bind(3, placement.state.rawValue)
        update.bind(4, placement.step)
        update.bind(5, visit)
        update.bind(6, placement.waitingFor?.event)
        update.bind(7, placement.waitingFor?.step)
        update.bind(8, placement.waitingFor?.onEvent)
        update.bind(9, placement.outcome?.rawValue)
        update.bind(10, now)
        if !inPlace { update.bind(11, placement.state == .finished ? now : nil) }
        try update.step()
        guard database.changes == 1 else { return false }
        if let timer = placement.timer {
            try setTimer(run.runID, at: timer.at, rev: run.rev + 1, kind: timer.kind)
        } else {
            let delete = runStatements.deleteTimer
            delete.reset()
            delete.bind(1, run.runID)
            try delete.step()
        }
        if placement.state == .finished {
            for counter in ["finished", placement.outcome?.rawValue ?? RunOutcome.completed.rawValue] {
                countStep(
                    strategy: run.strategy, version: run.version, step: "(run)", channelType: "", holdout: run.holdout,
                    counter: counter)
            }
        }
        if changes != nil {
            var id = customer
            if id == nil { id = try cipher.open(run.customerSealed) }
            changes?.append(
                .run(
                    runID: run.runID, strategy: run.strategy, version: run.version, customer: id ?? "",
                    step: placement.step,
                    state: placement.state.rawValue, outcome: placement.outcome?.rawValue, at: now))
        }
        return true
    }

    /// Writes (or moves) a run's timer and notes its due time for the engine.
    func setTimer(_ runID: Int64, at dueAt: Int64, rev: Int64, kind: TimerKind) throws(StoreError) {
        let upsert = runStatements.upsertTimer
        upsert.reset()
        upsert.bind(1, runID)
        upsert.bind(2, dueAt)
        upsert.bind(3, rev)
        upsert.bind(4, kind.rawValue)
        try upsert.step()
        earliestTimer = min(earliestTimer ?? dueAt, dueAt)
    }

    // MARK: - Exits

    /// Ends a run at once, also mid-wait: finished with `outcome`, its timer deleted and its queued messages
    /// withdrawn (`withdrawReason`), one history row. `false` if it had finished or another settler won.
    func finishRun(
        _ run: RunRow, outcome: RunOutcome, withdrawReason: String, record: RunStepRecord, now: Int64
    ) throws(StoreError) -> Bool {
        guard run.state != .finished else { return false }
        let visit = run.visit + 1
        let customer = try cipher.open(run.customerSealed)
        guard
            try settle(
                run, visit: visit, to: RunPlacement(state: .finished, step: run.step, outcome: outcome, timer: nil),
                customer: customer, now: now)
        else { return false }
        try insertStep(run, visit: visit, record)
        try withdrawMessages(of: run, reason: withdrawReason, now: now)
        // A message of the run the dispatcher paged in before this commit must not start either.
        heldRuns.runIDs.append(run.runID)
        return true
    }

    /// Marks the run's messages not yet sent cancelled, so the dispatcher skips them.
    func withdrawMessages(of run: RunRow, reason: String, now: Int64) throws(StoreError) {
        let select = runStatements.queuedMessagesOfRun
        select.reset()
        select.bind(1, run.cn)
        select.bind(2, run.runID)
        var queued: [HeldRuns.Message] = []
        while try select.step() {
            queued.append(HeldRuns.Message(sequence: select.int64(0) ?? 0, channel: select.string(1) ?? ""))
        }
        select.reset()
        let update = runStatements.withdrawMessage
        for message in queued {
            update.reset()
            update.bind(1, message.sequence)
            update.bind(2, reason)
            update.bind(3, now)
            try update.step()
            guard database.changes == 1 else { continue }
            // The dispatcher counted it queued at its commit; it takes it off again (see ``HeldRuns``).
            heldRuns.messages.append(message)
            try emit(message.sequence, state: .cancelled, reason: reason, at: now)
        }
    }

    /// The `exit` operation: the run by id or the customer's active run of a strategy, cancelled at once.
    func exitRun(_ selector: RunSelector, client: String, now: Int64) throws(StoreError) -> RunExit {
        let runID: Int64
        switch selector {
        case .run(let id):
            runID = id
        case .customer(let id, let strategy):
            guard let cn = try customerStatements.number(ck: customerKey(id)) else { return .notFound }
            guard let active = try activeRun(strategy: strategy, cn: cn) else {
                // Only finished runs: the operator hears that (conflict), as for an exit by run id.
                return try newestRun(strategy: strategy, cn: cn).map { .alreadyFinished(runID: $0) } ?? .notFound
            }
            runID = active
        }
        guard let run = try runRow(runID) else { return .notFound }
        let record = RunStepRecord(step: run.step, kind: "exit", outcome: .exited, at: now)
        return try finishRun(run, outcome: .cancelled, withdrawReason: "run_exited", record: record, now: now)
            ? .exited(runID: runID) : .alreadyFinished(runID: runID)
    }
}
