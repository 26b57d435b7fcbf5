/// The customer directory on the writer: keys, upserts and the profile `customer_show` reads.
extension StoreWriter {
    /// The customer key (`ck`): keyed like a policy subject, so opt-outs, caps and the directory agree.
    func customerKey(_ id: String) -> String { cipher.dedupKey(PolicySubject.customer(id)) }

    /// The key an address is found by (`customer_addresses.address_key`): normalized like consent addresses.
    func addressKey(_ address: String) -> String { cipher.dedupKey(PolicySubject.address(address)) }

    /// Applies `upserts` in order; all or none hold (a savepoint undoes the lot if one statement fails).
    func upsertCustomers(_ upserts: [CustomerUpsert]) throws(StoreError) -> [CustomerUpsert.Outcome] {
        try database.execute("SAVEPOINT customers")
        let changesBefore = changes?.count ?? 0
        do {
            var outcomes: [CustomerUpsert.Outcome] = []
            outcomes.reserveCapacity(upserts.count)
            for upsert in upserts { outcomes.append(try upsertCustomer(upsert)) }
            try database.execute("RELEASE customers")
            return outcomes
        } catch {
            try? database.execute("ROLLBACK TO customers")
            try? database.execute("RELEASE customers")
            changes?.removeSubrange(changesBefore...)
            throw error
        }
    }

    private func upsertCustomer(_ upsert: CustomerUpsert) throws(StoreError) -> CustomerUpsert.Outcome {
        let statements = customerStatements
        let ck = customerKey(upsert.id)
        let outcome: CustomerUpsert.Outcome
        let cn: Int64
        if let record = try statements.record(ck: ck, cipher: cipher) {
            cn = record.number
            var attributes = record.attributes
            for (name, value) in upsert.attributes { attributes[name] = value }
            let zone = upsert.zone ?? record.zone
            let update = statements.updateCustomer
            update.reset()
            update.bind(1, cn)
            update.bind(2, zone)
            update.bind(3, try cipher.seal(try CustomerStatements.encodeAttributes(attributes)))
            update.bind(4, upsert.at)
            try update.step()
            outcome = .updated
        } else {
            let attributes = upsert.attributes.compactMapValues { $0 }
            let insert = statements.insertCustomer
            insert.reset()
            insert.bind(1, ck)
            insert.bind(2, try cipher.seal(upsert.id))
            insert.bind(3, upsert.zone ?? nil)
            insert.bind(4, try cipher.seal(try CustomerStatements.encodeAttributes(attributes)))
            insert.bind(5, upsert.at)
            try insert.step()
            cn = database.lastInsertRowID
            outcome = .created
        }
        for (channelType, address) in upsert.addresses.sorted(by: { $0.key < $1.key }) {
            if let address {
                let statement = statements.upsertAddress
                statement.reset()
                statement.bind(1, cn)
                statement.bind(2, channelType)
                statement.bind(3, addressKey(address))
                statement.bind(4, try cipher.seal(address))
                statement.bind(5, upsert.at)
                try statement.step()
            } else {
                let statement = statements.deleteAddress
                statement.reset()
                statement.bind(1, cn)
                statement.bind(2, channelType)
                try statement.step()
            }
        }
        // Tag changes are feed lines (`subscribe` kind `tag`), only when they change something.
        for tag in upsert.tagsRemoved where try statements.removeTag(cn: cn, tag: tag) {
            changes?.append(.tag(customer: upsert.id, tag: tag, added: false, source: "customer", at: upsert.at))
        }
        for tag in upsert.tagsAdded where try statements.addTag(cn: cn, tag: tag, source: "customer", at: upsert.at) {
            changes?.append(.tag(customer: upsert.id, tag: tag, added: true, source: "customer", at: upsert.at))
        }
        return outcome
    }

    /// A customer's profile as committed: directory entry, opt-outs, active runs and the last 10 touches.
    func customerProfile(_ id: String) throws(StoreError) -> CustomerProfile? {
        let ck = customerKey(id)
        let statements = customerStatements
        guard let record = try statements.record(ck: ck, cipher: cipher) else { return nil }
        let cn = record.number
        let facts = CustomerFacts(
            id: record.id, zone: record.zone, attributes: record.attributes, tags: try statements.tags(cn: cn),
            addresses: try statements.addresses(cn: cn, cipher: cipher), scores: try statements.scores(cn: cn))
        return CustomerProfile(
            facts: facts, optOuts: try consent(of: .customer(id)).optedOut, createdAt: record.createdAt,
            updatedAt: record.updatedAt, activeRuns: try activeRuns(cn: cn), recentTouches: try recentTouches(cn: cn))
    }

    /// The customer's runs not finished, oldest first, with their timers (history left out: `runs` shows it).
    private func activeRuns(cn: Int64) throws(StoreError) -> [RunSnapshot] {
        let statement = try cached(
            """
            SELECT r.run_id, r.name, r.version, r.state, r.step, r.rev, r.visit, r.holdout, r.outcome, r.started_at,
                r.updated_at, r.finished_at, t.due_at, t.rev, t.kind
            FROM runs r LEFT JOIN run_timers t ON t.run_id = r.run_id
            WHERE r.cn = ?1 AND r.state != 'finished' ORDER BY r.started_at, r.run_id
            """)
        statement.bind(1, cn)
        var runs: [RunSnapshot] = []
        while try statement.step() {
            let runID = statement.int64(0) ?? 0
            var timer: DueTimer?
            if let dueAt = statement.int64(12) {
                timer = DueTimer(
                    runID: runID, dueAt: dueAt, rev: statement.int64(13) ?? 0,
                    kind: TimerKind(rawValue: statement.string(14) ?? "") ?? .wake)
            }
            runs.append(
                RunSnapshot(
                    runID: runID, strategy: statement.string(1) ?? "", version: statement.int(2),
                    state: RunState(rawValue: statement.string(3) ?? "") ?? .ready, step: statement.string(4) ?? "",
                    rev: statement.int64(5) ?? 0, visits: statement.int(6), holdout: statement.int(7) != 0,
                    outcome: statement.string(8).flatMap(RunOutcome.init(rawValue:)),
                    startedAt: statement.int64(9) ?? 0, updatedAt: statement.int64(10) ?? 0,
                    finishedAt: statement.int64(11), timer: timer))
        }
        statement.reset()
        return runs
    }

    /// The customer's last 10 touches (send rows of any run), newest first.
    private func recentTouches(cn: Int64) throws(StoreError) -> [RunStepRecord] {
        let statement = try cached(
            """
            SELECT s.visit, s.step, s.kind, s.outcome, s.at, s.message_id, s.instance, s.channel_type,
                s.delivered_at, s.opened_at, s.clicked_at, s.replied_at
            FROM runs r JOIN run_steps s ON s.run_id = r.run_id
            WHERE r.cn = ?1 AND s.kind = 'send' ORDER BY s.at DESC, s.run_id DESC, s.visit DESC LIMIT 10
            """)
        statement.bind(1, cn)
        var touches: [RunStepRecord] = []
        while try statement.step() {
            touches.append(
                RunStepRecord(
                    visit: statement.int(0), step: statement.string(1) ?? "", kind: statement.string(2) ?? "",
                    outcome: RunStepRecord.Outcome(rawValue: statement.string(3) ?? ""), at: statement.int64(4) ?? 0,
                    messageID: statement.string(5), instance: statement.string(6),
                    channelType: statement.string(7), deliveredAt: statement.int64(8),
                    openedAt: statement.int64(9), clickedAt: statement.int64(10), repliedAt: statement.int64(11)))
        }
        statement.reset()
        return touches
    }
}
