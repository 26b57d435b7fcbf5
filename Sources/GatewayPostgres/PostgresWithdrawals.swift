import GatewayStore

/// Tells the other nodes which queued messages a commit cancelled (an operator's `cancel`, a forget, a strategy
/// run's exit), so a node that has already paged one in drops it instead of sending it.
///
/// The cancelling statement notifies (`pg_notify`, delivered at its commit and dropped with a rollback) on one
/// channel every node listens to on its keeper connection; the payload names the issuing node, which ignores its
/// own (its dispatcher heard already), then one `sequence channel` line per message. A message whose transfer has
/// started finishes as it is; its completion finds it cancelled and counts it lost. A node that was disconnected
/// when the notice went out misses it the same way.
enum PostgresWithdrawals {
    static let channel = "gateway_withdrawn"
    /// Messages per notification: a payload must stay under PostgreSQL's 8,000 bytes.
    static let perNotification = 200

    /// `update` (an `UPDATE messages … RETURNING seq, channel, …` that cancels queued messages) made to notify the
    /// other nodes of what it cancelled; its rows come back as before, with one column more at the end.
    /// `issuer` is the number of the parameter that holds this node's name.
    static func notifying(_ update: String, issuer: Int) -> String {
        """
        WITH cancelled AS (\(update)),
        notified AS (
            SELECT pg_notify('\(channel)', $\(issuer) || string_agg(E'\\n' || seq || ' ' || channel, ''))
            FROM (SELECT seq, channel, (row_number() OVER ()) / \(perNotification) AS part FROM cancelled) AS c
            GROUP BY part)
        SELECT cancelled.*, (SELECT count(*) FROM notified) FROM cancelled
        """
    }

    /// The messages a notification from another node withdrew; none for one of `node`'s own (or a payload that is
    /// not one).
    static func messages(in payload: String, node: String) -> [HeldRuns.Message] {
        var lines = payload.split(separator: "\n", omittingEmptySubsequences: false)
        guard !lines.isEmpty, lines.removeFirst() != node else { return [] }
        return lines.compactMap { line in
            guard let space = line.firstIndex(of: " "), let sequence = Int64(line[..<space]) else { return nil }
            return HeldRuns.Message(sequence: sequence, channel: String(line[line.index(after: space)...]))
        }
    }
}
