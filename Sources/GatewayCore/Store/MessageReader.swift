import ChannelKit

/// The dispatcher's read connection: pages of queued messages in commit order.
public final class MessageReader {
    private let database: SQLiteDatabase
    private let selectQueued: SQLiteStatement
    private let cipher: FieldCipher

    init(database: SQLiteDatabase, cipher: FieldCipher) throws(StoreError) {
        self.database = database
        self.cipher = cipher
        // Matches the partial index messages_lane (channel, priority, seq) WHERE state = 'queued'.
        selectQueued = try database.prepare(
            """
            SELECT seq, id, recipient, category, template, params, content, not_after, attempts, next_attempt_at,
                title, url, origin_channel
            FROM messages WHERE channel = ?1 AND priority = ?4 AND state = 'queued' AND seq > ?2
            ORDER BY seq LIMIT ?3
            """
        )
    }

    /// Up to `limit` queued messages of one priority lane of a channel, with sequence above `after`.
    /// - Parameter priority: 0 critical, 1 transactional, 2 marketing.
    public func queued(channel: String, priority: Int, after: Int64, limit: Int) throws(StoreError)
        -> [StoredMessage]
    {
        selectQueued.reset()
        defer { selectQueued.reset() }
        selectQueued.bind(1, channel)
        selectQueued.bind(4, priority)
        selectQueued.bind(2, after)
        selectQueued.bind(3, limit)
        var page: [StoredMessage] = []
        page.reserveCapacity(limit)
        while try selectQueued.step() {
            var params: [String: String] = [:]
            if let text = try cipher.open(selectQueued.string(5)),
                case .object(let members)? = try? JSONParser.parse(text)
            {
                for (key, value) in members { params[key] = value.scalarText ?? "" }
            }
            let message = OutboundMessage(
                id: selectQueued.string(1) ?? "",
                channel: channel,
                recipient: try cipher.open(selectQueued.string(2)) ?? "",
                category: MessageCategory(name: selectQueued.string(3) ?? "") ?? .transactional,
                template: selectQueued.string(4),
                params: params,
                content: try cipher.open(selectQueued.string(6)),
                title: try cipher.open(selectQueued.string(10)),
                url: try cipher.open(selectQueued.string(11))
            )
            page.append(
                StoredMessage(
                    sequence: selectQueued.int64(0) ?? 0,
                    message: message,
                    notAfter: selectQueued.int64(7),
                    attempts: selectQueued.int(8),
                    nextAttemptAt: selectQueued.int64(9) ?? 0,
                    failedOverFrom: selectQueued.string(12)
                )
            )
        }
        return page
    }
}
