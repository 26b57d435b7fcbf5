import ChannelKit
package import GatewayStore

/// The customer directory's statements on PostgreSQL, row for row as SQLite keeps it (`CustomerStatements`): a
/// customer is found by its key `ck` (a keyed hash of the id, the subject of its consent and caps), every other
/// table by its number `cn`; ids, attributes and addresses are sealed under the store key. Values returned are in
/// clear.
///
/// Statements take a connection, so the writer (upserts, forget) and readers (profiles, the engine's run loads)
/// share them.
package struct PostgresCustomerDirectory: Sendable {
    let cipher: FieldCipher

    package init(cipher: FieldCipher) {
        self.cipher = cipher
    }

    /// The customer key (`ck`): keyed like a policy subject, so opt-outs, caps and the directory agree.
    package func customerKey(_ id: String) -> String { cipher.dedupKey(PolicySubject.customer(id)) }

    /// The key an address is found by (`customer_addresses.address_key`): normalized like consent addresses.
    package func addressKey(_ address: String) -> String { cipher.dedupKey(PolicySubject.address(address)) }

    /// Locks the customers of keys `keys` for the transaction (one sorted order, so two nodes never deadlock):
    /// the same advisory locks intake takes on a customer's caps, so upserts, forgets and a customer's sends
    /// follow one another.
    static func lock(_ keys: some Collection<String>) -> PostgresStatement {
        PostgresStatement(
            """
            SELECT count(pg_advisory_xact_lock(h)) FROM (
                SELECT DISTINCT hashtextextended(s, 0) AS h FROM unnest($1::text[]) AS s ORDER BY 1) AS l
            """, [PostgresArray.text(keys.sorted())])
    }

    /// What the engine knows of the customers numbered `numbers`, with the optional `parts` asked for, in one
    /// round trip; customers unknown (or forgotten) are left out.
    package func facts(
        numbers: [Int64], parts: CustomerFacts.Parts, on connection: PostgresConnection
    ) throws(PostgresError) -> [Int64: CustomerFacts] {
        try Self.facts(Dictionary(numbers.map { ($0, parts) }) { first, _ in first }, cipher: cipher, on: connection)
    }

    /// What the engine knows of each customer of `wanted` (by number), with the optional parts asked for it, in
    /// one round trip (two to four statements, whatever the count); customers unknown (or forgotten) are left out.
    /// Under a store key ``CustomerFacts/storedAddresses`` holds the addresses as stored.
    package static func facts(
        _ wanted: [Int64: CustomerFacts.Parts], cipher: FieldCipher, on connection: PostgresConnection
    ) throws(PostgresError) -> [Int64: CustomerFacts] {
        guard !wanted.isEmpty else { return [:] }
        let list = [PostgresArray.bigint(wanted.keys.sorted())]
        var statements = [
            PostgresStatement(
                "SELECT cn, id_sealed, zone, attributes_sealed FROM customers WHERE cn = ANY($1::bigint[])", list),
            PostgresStatement(
                "SELECT cn, channel_type, address_sealed FROM customer_addresses WHERE cn = ANY($1::bigint[])", list),
        ]
        let tagged = wanted.filter { $0.value.contains(.tags) }.keys.sorted()
        let scored = wanted.filter { $0.value.contains(.scores) }.keys.sorted()
        if !tagged.isEmpty {
            statements.append(
                PostgresStatement(
                    "SELECT cn, tag FROM customer_tags WHERE cn = ANY($1::bigint[])", [PostgresArray.bigint(tagged)]))
        }
        if !scored.isEmpty { statements.append(scores("cn = ANY($1::bigint[])", [PostgresArray.bigint(scored)])) }
        let results = try connection.batch(statements)
        let keepSealed = cipher.isEnabled
        return try PostgresMessageStore.fields { () throws(StoreError) -> [Int64: CustomerFacts] in
            var facts: [Int64: CustomerFacts] = [:]
            for row in results[0].rows {
                guard let cn = row[0].flatMap({ Int64($0) }) else { continue }
                facts[cn] = CustomerFacts(
                    id: try cipher.open(row[1]) ?? "", zone: row[2],
                    attributes: try CustomerAttributes.decode(try cipher.open(row[3])))
            }
            for row in results[1].rows {
                guard let cn = row[0].flatMap({ Int64($0) }), facts[cn] != nil, let type = row[1] else { continue }
                facts[cn]?.addresses[type] = try cipher.open(row[2]) ?? ""
                if keepSealed { facts[cn]?.storedAddresses[type] = row[2] ?? "" }
            }
            var next = 2
            if !tagged.isEmpty {
                for row in results[next].rows {
                    guard let cn = row[0].flatMap({ Int64($0) }), let tag = row[1] else { continue }
                    facts[cn]?.tags.insert(tag)
                }
                next += 1
            }
            if !scored.isEmpty {
                for row in results[next].rows {
                    guard let cn = row[0].flatMap({ Int64($0) }), let type = row[1] else { continue }
                    facts[cn]?.scores[type] = score(row, from: 2)
                }
            }
            return facts
        }
    }

    /// The channel scores of the customers `condition` selects: `cn, channel_type`, then ``score(_:from:)``'s
    /// columns.
    static func scores(_ condition: String, _ parameters: [String?]) -> PostgresStatement {
        PostgresStatement(
            """
            SELECT cn, channel_type, sends, engagements, sends_total, last_engaged_at, updated_at
            FROM channel_scores WHERE \(condition)
            """, parameters)
    }

    /// A score row's `sends, engagements, sends_total, last_engaged_at, updated_at` from column `first` on.
    static func score(_ row: [String?], from first: Int) -> ChannelScoreRow {
        ChannelScoreRow(
            sends: row[first].flatMap { Double($0) } ?? 0, engagements: row[first + 1].flatMap { Double($0) } ?? 0,
            sendsTotal: row[first + 2].flatMap { Int($0) } ?? 0, lastEngagedAt: row[first + 3].flatMap { Int64($0) },
            updatedAt: row[first + 4].flatMap { Int64($0) } ?? 0)
    }
}
