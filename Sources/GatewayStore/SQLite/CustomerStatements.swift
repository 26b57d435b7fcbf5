import ChannelKit

/// Prepared statements on the customer directory, usable on any connection: the writer reads and changes the
/// directory with them, readers (the engine's run loads) only read. Statements that write are prepared on a
/// read connection too (SQLite refuses them only when stepped).
///
/// `ck` is the customer key (``StoreWriter/customerKey(_:)``), which finds the customer's number `cn`; every other
/// table is keyed by the number (schema version 6). Sealed columns are opened with the caller's ``FieldCipher``, so
/// the values returned are in clear.
struct CustomerStatements {
    private let database: SQLiteDatabase
    let selectCustomer: SQLiteStatement
    let selectCustomerByKey: SQLiteStatement
    let numberOfCustomer: SQLiteStatement
    let selectAddresses: SQLiteStatement
    let selectTags: SQLiteStatement
    let selectScores: SQLiteStatement
    let insertTag: SQLiteStatement
    let deleteTag: SQLiteStatement
    let customersByAddress: SQLiteStatement
    let insertCustomer: SQLiteStatement
    let updateCustomer: SQLiteStatement
    let upsertAddress: SQLiteStatement
    let deleteAddress: SQLiteStatement
    /// Whether any customer was forgotten, for admission (see ``ForgottenSubjects``).
    let forgotten: ForgottenSubjects

    init(_ database: SQLiteDatabase) throws(StoreError) {
        self.database = database
        selectCustomer = try database.prepare(
            "SELECT cn, ck, id_sealed, zone, attributes_sealed, created_at, updated_at FROM customers WHERE cn = ?1")
        selectCustomerByKey = try database.prepare(
            "SELECT cn, ck, id_sealed, zone, attributes_sealed, created_at, updated_at FROM customers WHERE ck = ?1")
        numberOfCustomer = try database.prepare("SELECT cn, id_sealed FROM customers WHERE ck = ?1")
        selectAddresses = try database.prepare(
            "SELECT channel_type, address_sealed FROM customer_addresses WHERE cn = ?1")
        selectTags = try database.prepare("SELECT tag FROM customer_tags WHERE cn = ?1")
        selectScores = try database.prepare(
            """
            SELECT channel_type, sends, engagements, sends_total, last_engaged_at, updated_at
            FROM channel_scores WHERE cn = ?1
            """)
        insertTag = try database.prepare(
            "INSERT INTO customer_tags (cn, tag, source, added_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING")
        deleteTag = try database.prepare("DELETE FROM customer_tags WHERE cn = ?1 AND tag = ?2")
        customersByAddress = try database.prepare(
            "SELECT cn FROM customer_addresses WHERE address_key = ?1 AND channel_type = ?2")
        insertCustomer = try database.prepare(
            """
            INSERT INTO customers (ck, id_sealed, zone, attributes_sealed, created_at, updated_at)
            VALUES (?1, ?2, ?3, ?4, ?5, ?5)
            """)
        updateCustomer = try database.prepare(
            "UPDATE customers SET zone = ?2, attributes_sealed = ?3, updated_at = ?4 WHERE cn = ?1")
        upsertAddress = try database.prepare(
            """
            INSERT INTO customer_addresses (cn, channel_type, address_key, address_sealed, updated_at)
            VALUES (?1, ?2, ?3, ?4, ?5)
            ON CONFLICT (cn, channel_type) DO UPDATE SET address_key = excluded.address_key,
                address_sealed = excluded.address_sealed, updated_at = excluded.updated_at
            """)
        deleteAddress = try database.prepare("DELETE FROM customer_addresses WHERE cn = ?1 AND channel_type = ?2")
        forgotten = try ForgottenSubjects(database)
    }

    /// The directory row of a customer, in clear.
    struct Record {
        /// The customer's number (`cn`).
        var number: Int64
        /// The customer key (`ck`): the subject of the customer's consent and caps.
        var key: String
        var id: String
        var zone: String?
        var attributes: [String: String]
        var createdAt: Int64
        var updatedAt: Int64
    }

    /// The customer's row, or `nil` if unknown.
    func record(cn: Int64, cipher: FieldCipher) throws(StoreError) -> Record? {
        selectCustomer.reset()
        selectCustomer.bind(1, cn)
        return try record(selectCustomer, cipher: cipher)
    }

    /// The row of the customer with key `ck`, or `nil` if unknown.
    func record(ck: String, cipher: FieldCipher) throws(StoreError) -> Record? {
        selectCustomerByKey.reset()
        selectCustomerByKey.bind(1, ck)
        return try record(selectCustomerByKey, cipher: cipher)
    }

    private func record(_ statement: SQLiteStatement, cipher: FieldCipher) throws(StoreError) -> Record? {
        guard try statement.step() else { return nil }
        defer { statement.reset() }
        let id = try cipher.open(statement.string(2)) ?? ""
        let attributes = try Self.decodeAttributes(try cipher.open(statement.string(4)))
        return Record(
            number: statement.int64(0) ?? 0, key: statement.string(1) ?? "", id: id, zone: statement.string(3),
            attributes: attributes, createdAt: statement.int64(5) ?? 0, updatedAt: statement.int64(6) ?? 0)
    }

    /// What the engine knows of a customer, with the optional `parts` asked for; `nil` if unknown (or forgotten).
    func facts(cn: Int64, cipher: FieldCipher, parts: CustomerFacts.Parts) throws(StoreError)
        -> CustomerFacts?
    {
        guard let record = try record(cn: cn, cipher: cipher) else { return nil }
        let (addresses, stored) = try addressesAsStored(cn: cn, cipher: cipher)
        var facts = CustomerFacts(
            id: record.id, zone: record.zone, attributes: record.attributes,
            tags: parts.contains(.tags) ? try tags(cn: cn) : [], addresses: addresses,
            scores: parts.contains(.scores) ? try scores(cn: cn) : [:])
        facts.storedAddresses = stored
        return facts
    }

    /// The number of the customer with key `ck`, or `nil` if unknown.
    func number(ck: String) throws(StoreError) -> Int64? { try identity(ck: ck)?.number }

    /// The number and the id as stored (sealed with a store key) of the customer with key `ck`: a run keeps the
    /// sealed id as it is, without sealing it again.
    func identity(ck: String) throws(StoreError) -> (number: Int64, sealedID: String)? {
        let statement = numberOfCustomer
        statement.reset()
        statement.bind(1, ck)
        defer { statement.reset() }
        return try statement.step() ? (statement.int64(0) ?? 0, statement.string(1) ?? "") : nil
    }

    /// Tags a customer; `true` if the tag is new.
    func addTag(cn: Int64, tag: String, source: String, at: Int64) throws(StoreError) -> Bool {
        let statement = insertTag
        statement.reset()
        statement.bind(1, cn)
        statement.bind(2, tag)
        statement.bind(3, source)
        statement.bind(4, at)
        try statement.step()
        return database.changes > 0
    }

    /// Untags a customer; `true` if the tag was there.
    func removeTag(cn: Int64, tag: String) throws(StoreError) -> Bool {
        let statement = deleteTag
        statement.reset()
        statement.bind(1, cn)
        statement.bind(2, tag)
        try statement.step()
        return database.changes > 0
    }

    /// The customers who have `addressKey` (``StoreWriter/addressKey(_:)``) on `channelType`: a reply or an
    /// opt-out by address finds its customers here.
    func customers(addressKey: String, channelType: String) throws(StoreError) -> [Int64] {
        let statement = customersByAddress
        statement.reset()
        statement.bind(1, addressKey)
        statement.bind(2, channelType)
        var numbers: [Int64] = []
        while try statement.step() { numbers.append(statement.int64(0) ?? 0) }
        return numbers
    }

    func tags(cn: Int64) throws(StoreError) -> Set<String> {
        let statement = selectTags
        statement.reset()
        statement.bind(1, cn)
        var tags: Set<String> = []
        while try statement.step() { tags.insert(statement.string(0) ?? "") }
        return tags
    }

    func addresses(cn: Int64, cipher: FieldCipher) throws(StoreError) -> [String: String] {
        try addressesAsStored(cn: cn, cipher: cipher, keepSealed: false).clear
    }

    /// The customer's addresses in clear and, with `keepSealed` under a store key, as stored (without a key the
    /// stored form is the clear one, and a send has nothing to save by reusing it).
    func addressesAsStored(cn: Int64, cipher: FieldCipher, keepSealed: Bool = true) throws(StoreError)
        -> (clear: [String: String], stored: [String: String])
    {
        let statement = selectAddresses
        statement.reset()
        statement.bind(1, cn)
        let sealing = keepSealed && cipher.isEnabled
        var clear: [String: String] = [:]
        var stored: [String: String] = [:]
        while try statement.step() {
            let type = statement.string(0) ?? ""
            let sealed = statement.string(1)
            clear[type] = try cipher.open(sealed) ?? ""
            if sealing { stored[type] = sealed ?? "" }
        }
        return (clear, stored)
    }

    func scores(cn: Int64) throws(StoreError) -> [String: ChannelScoreRow] {
        let statement = selectScores
        statement.reset()
        statement.bind(1, cn)
        var scores: [String: ChannelScoreRow] = [:]
        while try statement.step() {
            scores[statement.string(0) ?? ""] = ChannelScoreRow(
                sends: statement.double(1) ?? 0, engagements: statement.double(2) ?? 0, sendsTotal: statement.int(3),
                lastEngagedAt: statement.int64(4), updatedAt: statement.int64(5) ?? 0)
        }
        return scores
    }

    /// Attributes as stored (``CustomerAttributes``).
    static func encodeAttributes(_ attributes: [String: String]) throws(StoreError) -> String? {
        try CustomerAttributes.encode(attributes)
    }

    static func decodeAttributes(_ text: String?) throws(StoreError) -> [String: String] {
        try CustomerAttributes.decode(text)
    }
}
