package import ChannelKit
import Crypto

extension FieldCipher {
    /// What makes a receipt the same as one kept before (a vendor's retried push), for both backends: `v:`, the
    /// vendor's id (else ours), a line feed, then the digest of its fields (`r:` and the hex SHA-256 of each field
    /// followed by a zero byte; keyed, `m:` and an HMAC, when fields are encrypted at rest).
    ///
    /// The id leads so that the unique index takes receipts in about the order the sends went out: each commit then
    /// touches a few neighbouring index pages instead of one random page per receipt, which kept SQLite's WAL (and
    /// the fsync behind every 200) several times larger. The id is stored in the clear beside it anyway.
    package func receiptFingerprint(_ receipt: Receipt, channel: String, event: String) -> String {
        "v:" + (receipt.vendorMessageID ?? receipt.messageID ?? "") + "\n"
            + receiptDigest(receipt, channel: channel, event: event)
    }

    /// The fingerprint without the id that leads it: what the SQLite store keys a receipt by under its message
    /// (schema version 8), where the id would only repeat what the message says; the digest covers the ids too.
    package func receiptDigest(_ receipt: Receipt, channel: String, event: String) -> String {
        dedupKey(Self.digest(of: receipt, channel: channel, event: event))
    }

    /// `r:` and the hex SHA-256 of a receipt's fields, each followed by a zero byte, hashed in one call.
    private static func digest(of receipt: Receipt, channel: String, event: String) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(192)
        // Appended one by one: an array of the fields would be one more allocation per receipt.
        func append(_ part: String?) {
            if let part { bytes.append(contentsOf: part.utf8) }
            bytes.append(0)
        }
        append(channel)
        append(receipt.vendorMessageID)
        append(receipt.messageID)
        append(receipt.recipient)
        append(event)
        append(receipt.vendorStatus)
        if let occurredAt = receipt.occurredAtMilliseconds { bytes.append(contentsOf: String(occurredAt).utf8) }
        bytes.append(0)
        return SHA256.hash(data: bytes).withUnsafeBytes { HexEncoding.lowercase($0, prefix: "r:") }
    }
}
