import ChannelKit
import GatewayStore

/// Customer upserts in two round trips however many: the customers are locked and read, every upsert is applied
/// in order here (a later one sees an earlier one's changes, as SQLite applies them one by one), and what results
/// is written by one statement per kind of change (`unnest`). Run inside the caller's transaction: all or none.
extension PostgresCustomerDirectory {
    /// One customer as the batch leaves it.
    private struct Draft {
        /// Its number, when it existed before the batch.
        var number: Int64?
        var id: String
        var zone: String?
        var attributes: [String: String]
        var createdAt: Int64
        var updatedAt: Int64
        /// Tags as stored before the batch and as the batch leaves them (`true`: a row the batch inserts).
        var tags: [String: (at: Int64, new: Bool)]
        /// Tags the batch deletes (stored before, removed at some point).
        var tagsDeleted: Set<String> = []
        /// Address changes by channel type, the last one standing (`nil` address: removed).
        var addresses: [String: (address: String?, at: Int64)] = [:]
    }

    /// Applies `upserts` in order; one outcome each. Tag changes are appended to `changes` (when collected).
    func upsert(
        _ upserts: [CustomerUpsert], changes: inout [StateChange]?, on connection: PostgresConnection
    ) throws(PostgresError) -> [CustomerUpsert.Outcome] {
        let keys = upserts.map { customerKey($0.id) }
        let list = [PostgresArray.text(Set(keys).sorted())]
        let read = try connection.batch([
            Self.lock(Set(keys)),
            PostgresStatement(
                "SELECT cn, ck, zone, attributes_sealed, created_at FROM customers WHERE ck = ANY($1::text[])", list),
            PostgresStatement(
                """
                SELECT c.ck, t.tag, t.added_at FROM customers c JOIN customer_tags t ON t.cn = c.cn
                WHERE c.ck = ANY($1::text[])
                """, list),
        ])
        var drafts: [String: Draft] = [:]
        try PostgresMessageStore.fields { () throws(StoreError) in
            for row in read[1].rows {
                guard let cn = row[0].flatMap({ Int64($0) }), let ck = row[1] else { continue }
                drafts[ck] = Draft(
                    number: cn, id: "", zone: row[2],
                    attributes: try CustomerAttributes.decode(try cipher.open(row[3])),
                    createdAt: row[4].flatMap { Int64($0) } ?? 0, updatedAt: 0, tags: [:])
            }
        }
        for row in read[2].rows {
            guard let ck = row[0], let tag = row[1] else { continue }
            drafts[ck]?.tags[tag] = (row[2].flatMap { Int64($0) } ?? 0, false)
        }

        var outcomes: [CustomerUpsert.Outcome] = []
        outcomes.reserveCapacity(upserts.count)
        for (upsert, ck) in zip(upserts, keys) {
            var draft =
                drafts[ck]
                ?? Draft(
                    number: nil, id: upsert.id, zone: nil, attributes: [:], createdAt: upsert.at, updatedAt: upsert.at,
                    tags: [:])
            outcomes.append(drafts[ck] == nil ? .created : .updated)
            draft.id = upsert.id
            for (name, value) in upsert.attributes { draft.attributes[name] = value }
            if let zone = upsert.zone { draft.zone = zone }
            draft.updatedAt = upsert.at
            for (type, address) in upsert.addresses { draft.addresses[type] = (address, upsert.at) }
            // Tag changes are feed lines (`subscribe` kind `tag`), only when they change something.
            for tag in upsert.tagsRemoved {
                guard let stored = draft.tags.removeValue(forKey: tag) else { continue }
                if !stored.new { draft.tagsDeleted.insert(tag) }
                changes?.append(.tag(customer: upsert.id, tag: tag, added: false, source: "customer", at: upsert.at))
            }
            for tag in upsert.tagsAdded where draft.tags[tag] == nil {
                draft.tags[tag] = (upsert.at, true)
                changes?.append(.tag(customer: upsert.id, tag: tag, added: true, source: "customer", at: upsert.at))
            }
            drafts[ck] = draft
        }
        try write(drafts, on: connection)
        return outcomes
    }

    /// Writes what the batch left: new customers, changed ones, their addresses and tags.
    private func write(_ drafts: [String: Draft], on connection: PostgresConnection) throws(PostgresError) {
        var inserted: [[String?]] = Array(repeating: [], count: 6)
        var updated: [[String?]] = Array(repeating: [], count: 4)
        var addressesDeleted: [[String?]] = Array(repeating: [], count: 2)
        var addressesSet: [[String?]] = Array(repeating: [], count: 5)
        var tagsDeleted: [[String?]] = Array(repeating: [], count: 2)
        var tagsAdded: [[String?]] = Array(repeating: [], count: 3)
        func append(_ columns: inout [[String?]], _ values: [String?]) {
            for (index, value) in values.enumerated() { columns[index].append(value) }
        }
        try PostgresMessageStore.fields { () throws(StoreError) in
            // Sorted, so the rows change in one order whatever the batch (the same locks' order).
            for (ck, draft) in drafts.sorted(by: { $0.key < $1.key }) {
                let attributes = try cipher.seal(try CustomerAttributes.encode(draft.attributes))
                if let number = draft.number {
                    append(&updated, [String(number), draft.zone, attributes, String(draft.updatedAt)])
                } else {
                    append(
                        &inserted,
                        [
                            ck, try cipher.seal(draft.id), draft.zone, attributes, String(draft.createdAt),
                            String(draft.updatedAt),
                        ])
                }
                for (type, change) in draft.addresses.sorted(by: { $0.key < $1.key }) {
                    if let address = change.address {
                        append(
                            &addressesSet,
                            [ck, type, addressKey(address), try cipher.seal(address), String(change.at)])
                    } else {
                        append(&addressesDeleted, [ck, type])
                    }
                }
                for tag in draft.tagsDeleted.sorted() { append(&tagsDeleted, [ck, tag]) }
                for (tag, stored) in draft.tags.sorted(by: { $0.key < $1.key }) where stored.new {
                    append(&tagsAdded, [ck, tag, String(stored.at)])
                }
            }
        }
        func arrays(_ columns: [[String?]]) -> [String?] { columns.map { PostgresArray.text($0) } }
        // Later statements find new customers by key: each sees what the earlier ones of the transaction wrote.
        var statements: [PostgresStatement] = []
        if !inserted[0].isEmpty {
            statements.append(
                PostgresStatement(
                    """
                    INSERT INTO customers (ck, id_sealed, zone, attributes_sealed, created_at, updated_at)
                    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[])
                    """, arrays(inserted)))
        }
        if !updated[0].isEmpty {
            statements.append(
                PostgresStatement(
                    """
                    UPDATE customers c SET zone = u.zone, attributes_sealed = u.attributes, updated_at = u.at
                    FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[]) AS u(cn, zone, attributes, at)
                    WHERE c.cn = u.cn
                    """, arrays(updated)))
        }
        if !addressesDeleted[0].isEmpty {
            statements.append(
                PostgresStatement(
                    """
                    DELETE FROM customer_addresses a USING customers c, unnest($1::text[], $2::text[]) AS u(ck, type)
                    WHERE c.ck = u.ck AND a.cn = c.cn AND a.channel_type = u.type
                    """, arrays(addressesDeleted)))
        }
        if !addressesSet[0].isEmpty {
            statements.append(
                PostgresStatement(
                    """
                    INSERT INTO customer_addresses (cn, channel_type, address_key, address_sealed, updated_at)
                    SELECT c.cn, u.type, u.key, u.sealed, u.at
                    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[])
                        AS u(ck, type, key, sealed, at) JOIN customers c ON c.ck = u.ck
                    ON CONFLICT (cn, channel_type) DO UPDATE SET address_key = excluded.address_key,
                        address_sealed = excluded.address_sealed, updated_at = excluded.updated_at
                    """, arrays(addressesSet)))
        }
        if !tagsDeleted[0].isEmpty {
            statements.append(
                PostgresStatement(
                    """
                    DELETE FROM customer_tags t USING customers c, unnest($1::text[], $2::text[]) AS u(ck, tag)
                    WHERE c.ck = u.ck AND t.cn = c.cn AND t.tag = u.tag
                    """, arrays(tagsDeleted)))
        }
        if !tagsAdded[0].isEmpty {
            statements.append(
                PostgresStatement(
                    """
                    INSERT INTO customer_tags (cn, tag, source, added_at)
                    SELECT c.cn, u.tag, 'customer', u.at
                    FROM unnest($1::text[], $2::text[], $3::bigint[]) AS u(ck, tag, at) JOIN customers c ON c.ck = u.ck
                    ON CONFLICT DO NOTHING
                    """, arrays(tagsAdded)))
        }
        guard !statements.isEmpty else { return }
        _ = try connection.batch(statements)
    }
}
