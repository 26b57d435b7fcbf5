import ChannelKit

/// What the SMS profiles share about pushed reports: the JSON item list, field text, and the carrier statuses
/// (CMPP/SGIP/SMGP `stat`) that Alibaba and Tencent both pass through. Kept apart from either profile so neither
/// reaches into the other's statics.
enum CarrierReports {
    /// The items of a pushed JSON body: an array's elements, or one object; each must be an object.
    /// - Parameter name: the push's name, for problems.
    static func items(_ body: [UInt8], name: String) throws(MessageProblem) -> [JSONValue] {
        let root: JSONValue
        do {
            root = try JSONParser.parse(body)
        } catch {
            throw .badRequest("the \(name) body is not JSON: \(error)")
        }
        let items: [JSONValue]
        switch root {
        case .array(let list): items = list
        case .object: items = [root]
        default: throw .badRequest("expected a JSON array of \(name) items, found \(root.typeName)")
        }
        for (index, item) in items.enumerated() {
            guard case .object = item else {
                throw .badRequest("item \(index + 1) of \(items.count) is \(item.typeName), not an object")
            }
        }
        return items
    }

    /// A non-empty string, or a number's literal; `nil` for anything else.
    static func text(_ value: JSONValue?) -> String? {
        switch value {
        case .string(let text)? where !text.isEmpty: text
        case .number(let text)?: text
        default: nil
        }
    }

    /// The failure reason for a carrier status: its ``statuses`` category (`unknown` if unlisted or absent), the
    /// status as the vendor code, and the vendor's own text as detail (else the table's meaning).
    static func deliveryFailure(code: String?, vendorDetail: String?) -> Reason {
        let known = code.flatMap { statuses[$0] }
        return Reason(known?.category ?? .unknown, vendorCode: code, detail: vendorDetail ?? known?.detail)
    }

    /// Carrier delivery-report statuses (CMPP/SGIP/SMGP `stat`, passed through by Alibaba as `err_code` and by
    /// Tencent as `errmsg`) and what a failure with each means. From vendors.md 2.1.8, whose carrier list is
    /// third-party [U] (https://www.cnblogs.com/da-guang/p/5880631.html, https://cnblogs.com/yhdkzy/p/4238029.html)
    /// with Huawei Cloud's handling advice (https://support.huaweicloud.com/eu/api-msgsms/sms_05_0051.html):
    /// a missing, suspended or blacklisted number is the recipient's (`invalid_recipient`); a phone that was off or
    /// out of coverage may take a later message, and `REJECTD` has several causes, so both are `unknown`. The same
    /// table is in the README.
    /// Every row is a failed delivery (`.reject`); the detail is the status's meaning.
    static let statuses: VendorCodeTable = [
        "UNDELIV": .reject(.invalidRecipient, "undeliverable: the subscriber is suspended or abnormal"),
        "MK:0001": .reject(.invalidRecipient, "no such subscriber"),
        "MK:0005": .reject(.invalidRecipient, "the subscriber is suspended"),
        "MK:0013": .reject(.invalidRecipient, "the subscriber is suspended"),
        "DB:0144": .reject(.invalidRecipient, "the number is on a blacklist"),
        "DBBLACK": .reject(.invalidRecipient, "the number is on a blacklist"),
        "MBBLACK": .reject(.invalidRecipient, "the number is on a blacklist"),
        "MK:0115": .reject(.contentRejected, "blocked as spam by the carrier"),
        "IB:0008": .reject(.throttled, "carrier gateway flow control"),
        "DB:0142": .reject(.throttled, "the number's daily message cap at the carrier"),
        "EXPIRED": .reject(.unknown, "not delivered in time: the phone was off or out of coverage"),
        "MK:0010": .reject(.unknown, "the phone was off"),
        "MK:0023": .reject(.unknown, "the phone was off"),
        "REJECTD": .reject(.unknown, "rejected by the carrier (cause not given)"),
    ]
}
