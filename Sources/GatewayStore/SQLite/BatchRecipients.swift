/// Which message of a batch send each recipient is, by vendor id: a hint for matching receipts, kept by the writer
/// thread across commits.
///
/// One vendor id covers a whole batch (Alibaba `SendBatchSms`: up to 100 numbers, one `BizId`), so matching a
/// receipt by vendor id alone reads every message of the batch and compares recipients; receipts come one per
/// push, so a batch would be read a hundred times. The map is built from the first read. It is only a hint: the
/// writer confirms a hit against the message row (still this channel and vendor id) and reads its state there, so a
/// rolled-back batch, a pruned or requeued message cannot be matched through it.
final class BatchRecipients {
    /// A batch: its messages by normalized recipient; `nil` for a recipient named twice (ambiguous, as in SQL).
    typealias Members = [String: Int64?]

    /// Vendor ids kept at most (oldest dropped first): a few hundred batches in flight at once is a large campaign.
    static let capacity = 1024

    /// A vendor id on an instance. Two strings rather than one joined: no new string per receipt.
    struct Key: Hashable {
        let channel: String
        let vendorMessageID: String
    }

    private var batches: [Key: Members] = [:]
    private var order: [Key] = []
    private var oldest = 0

    /// The key of a vendor id on an instance.
    static func key(channel: String, vendorMessageID: String) -> Key {
        Key(channel: channel, vendorMessageID: vendorMessageID)
    }

    /// The members of a batch, if known.
    func members(of key: Key) -> Members? { batches[key] }

    /// Keeps a batch's members, dropping the oldest batch when full.
    func keep(_ members: Members, for key: Key) {
        if batches.updateValue(members, forKey: key) != nil { return }
        if order.count < Self.capacity {
            order.append(key)
        } else {
            batches[order[oldest]] = nil
            order[oldest] = key
            oldest = (oldest + 1) % Self.capacity
        }
    }

    /// How many batches are kept (for tests).
    var count: Int { batches.count }
}
