import GatewayJSON

#if canImport(Glibc)
    import Glibc
#endif

/// Receipt push bodies in the vendors' documented shapes, one JSON array per POST.
///
/// Alibaba SmsReport (vendors.md 2.1.7): `[{phone_number, send_time, report_time, success, err_code, err_msg,
/// sms_size, biz_id, out_id}]`, the number as 11 digits. Tencent status callback (vendors.md 2.2.6):
/// `[{user_receive_time, nationcode, mobile, report_status, errmsg, description, sid}]`. Every receipt says
/// delivered; times are Beijing time (`yyyy-MM-dd HH:mm:ss`), as both vendors send them.
enum ReceiptBodies {
    /// The body for `records` (all of one vendor).
    static func body(_ records: ArraySlice<ReceiptRecord>, at time: String) -> String {
        var body = "["
        body.reserveCapacity(records.count * 240)
        for (offset, record) in records.enumerated() {
            if offset > 0 { body += "," }
            switch record.vendor {
            case .aliyun: appendAliyun(record, time: time, to: &body)
            case .tencent: appendTencent(record, time: time, to: &body)
            }
        }
        body += "]"
        return body
    }

    private static func appendAliyun(_ record: ReceiptRecord, time: String, to body: inout String) {
        body += #"{"phone_number":"#
        JSONValue.appendQuoted(record.elevenDigits, to: &body)
        body += #","send_time":"\#(time)","report_time":"\#(time)","success":true,"err_code":"DELIVERED","#
        body += #""err_msg":"用户接收成功","sms_size":"1","biz_id":"#
        JSONValue.appendQuoted(record.vendorID, to: &body)
        body += #","out_id":"#
        JSONValue.appendQuoted(record.outID, to: &body)
        body += "}"
    }

    private static func appendTencent(_ record: ReceiptRecord, time: String, to body: inout String) {
        var nationCode = "86"
        var mobile = record.number
        if mobile.hasPrefix("+86") {
            mobile.removeFirst(3)
        } else if mobile.hasPrefix("+") {
            nationCode = ""  // Not mainland: sent whole as `mobile`, which the profile keeps as is.
        }
        body += #"{"user_receive_time":"\#(time)","nationcode":"\#(nationCode)","mobile":"#
        JSONValue.appendQuoted(mobile, to: &body)
        body += #","report_status":"SUCCESS","errmsg":"DELIVRD","description":"用户短信送达成功","sid":"#
        JSONValue.appendQuoted(record.vendorID, to: &body)
        body += "}"
    }

    /// Now in Beijing time (UTC+8) as `yyyy-MM-dd HH:mm:ss`.
    static func beijingNow() -> String {
        var seconds = time(nil) + 8 * 3600
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday)) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))"
    }
}
