import GatewayJSON

/// One message as fakevendor's `--record` file names it: `<number>\t<compact JSON>`, one line per accepted
/// recipient, with the ids a vendor's receipt for it carries.
///
/// Alibaba (`SendSms`/`SendBatchSms`) lines carry `biz_id` and `out_id`; Tencent (`SendSms`) lines carry
/// `serial_no`. A `vendor` member, when present, names the vendor; without it the ids decide. Other lines (the
/// generic `http` vendor's requests, voice calls) are not receipts and are skipped.
struct ReceiptRecord: Sendable, Hashable {
    enum Vendor: String, Sendable, Hashable, CaseIterable {
        case aliyun
        case tencent
    }

    let vendor: Vendor
    /// The number as the vendor was sent it: 11 digits (Alibaba) or E.164 (Tencent).
    let number: String
    /// Alibaba's `BizId`, or Tencent's `SerialNo`.
    let vendorID: String
    /// Alibaba's `OutId` (the gateway's message id; empty for `SendBatchSms`).
    let outID: String

    /// Reads one record line; `nil` for a line that describes no SMS receipt.
    init?(line: Substring) {
        guard let tab = line.firstIndex(of: "\t") else { return nil }
        let number = String(line[..<tab])
        guard !number.isEmpty, let object = try? JSONParser.parse(Array(line[line.index(after: tab)...].utf8)) else {
            return nil
        }
        let named = object["vendor"]?.stringValue.flatMap(Vendor.init(rawValue:))
        if named != .aliyun, let serial = object["serial_no"]?.scalarText, !serial.isEmpty {
            self.vendor = .tencent
            self.vendorID = serial
            self.outID = ""
        } else if named != .tencent, let bizID = object["biz_id"]?.scalarText, !bizID.isEmpty {
            self.vendor = .aliyun
            self.vendorID = bizID
            self.outID = object["out_id"]?.scalarText ?? ""
        } else {
            return nil
        }
        self.number = number
    }

    init(vendor: Vendor, number: String, vendorID: String, outID: String = "") {
        self.vendor = vendor
        self.number = number
        self.vendorID = vendorID
        self.outID = outID
    }

    /// Every receipt-bearing record of a file, each once (a recipient recorded twice gets one receipt).
    static func load(path: String) throws -> [ReceiptRecord] {
        let text = try FileText.read(path)
        var seen: Set<ReceiptRecord> = []
        var records: [ReceiptRecord] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            guard let record = ReceiptRecord(line: line), seen.insert(record).inserted else { continue }
            records.append(record)
        }
        return records
    }

    /// The mainland number without `+86` (Alibaba's `phone_number`), else the number as recorded.
    var elevenDigits: String {
        number.hasPrefix("+86") ? String(number.dropFirst(3)) : number
    }
}
