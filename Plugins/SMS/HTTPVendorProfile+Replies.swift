public import ChannelKit

extension HTTPVendorProfile {
    /// How customer replies (SMS MO) pushed by the vendor to `/callbacks/<instance>` are read: the `mo:` mapping.
    ///
    /// Every path is evaluated against one reply item; the items are found at ``itemsPath``.
    struct ReplyRules: Sendable {
        /// Where the replies are: an array holds one reply per element, an object is one reply.
        let itemsPath: JSONPath
        /// The customer's number (a string, or a number taken as its text).
        let fromPath: JSONPath
        /// The reply text.
        let textPath: JSONPath
        /// The vendor's id for the reply.
        let idPath: JSONPath?
        /// When the vendor received it; see ``epochMilliseconds(_:)``.
        let timePath: JSONPath?
        /// The answer the vendor expects.
        let answer: CallbackAnswer

        /// `$`, the default ``itemsPath``.
        static let wholeBody = JSONPath("$")!

        /// Alibaba's SmsUp contract: HTTP 200 with `{"code":0,"msg":"接收成功"}` (only `code` is checked).
        static let alibabaAnswer = CallbackAnswer(
            status: 200,
            contentType: "application/json",
            body: #"{"code":0,"msg":"接收成功"}"#
        )

        /// The replies a callback body holds.
        /// - Throws: ``MessageProblem`` if the body is not JSON, holds no array or object at ``itemsPath``, or a
        ///   reply lacks its sender or text. Messages name positions and paths, never the body's values.
        func replies(in body: [UInt8]) throws(MessageProblem) -> [InboundReply] {
            let root: JSONValue
            do {
                root = try JSONParser.parse(body)
            } catch {
                throw .badRequest("the reply callback's body is not JSON: \(error)")
            }
            let items: [JSONValue]
            switch itemsPath.evaluate(root) {
            case .array(let list)?: items = list
            case .object(let members)?: items = [.object(members)]
            case let other?:
                throw .badRequest("expected an array or an object of replies at \(itemsPath), found \(other.typeName)")
            case nil:
                throw .badRequest("no replies at \(itemsPath) in the reply callback's body")
            }
            var replies: [InboundReply] = []
            for (index, item) in items.enumerated() {
                let position = "reply \(index + 1) of \(items.count)"
                guard let from = Self.text(fromPath.evaluate(item)), !from.isEmpty else {
                    throw .badRequest("\(position) has no sender (a string or number) at \(fromPath)")
                }
                guard let text = Self.text(textPath.evaluate(item)) else {
                    throw .badRequest("\(position) has no text (a string or number) at \(textPath)")
                }
                let id = idPath.flatMap { Self.text($0.evaluate(item)) }
                let time = timePath.flatMap { $0.evaluate(item) }.flatMap { Self.epochMilliseconds($0) }
                replies.append(InboundReply(from: from, text: text, vendorReplyID: id, receivedAtMilliseconds: time))
            }
            return replies
        }

        /// A string, or a number's literal text; `nil` for anything else (booleans, null, arrays, objects).
        static func text(_ value: JSONValue?) -> String? {
            switch value {
            case .string(let text)?, .number(let text)?: text
            default: nil
            }
        }

        /// The latest second a reply time may name: 9999-12-31 23:59:59 UTC. Larger numbers are not seconds.
        static let latestSecond: Int64 = 253_402_300_799

        /// Beijing time's offset from UTC, in seconds (UTC+8, no daylight saving).
        static let beijingOffset: Int64 = 8 * 3600

        /// A reply time in milliseconds since the Unix epoch, or `nil` if it is in neither accepted form:
        /// - epoch seconds: a JSON number (a fraction is kept to the millisecond) or a string of digits;
        /// - `yyyy-MM-dd HH:mm:ss`, read as Beijing time (UTC+8), as Alibaba sends it.
        ///
        /// An unreadable time drops only the time, not the reply: an opt-out must not be lost over its timestamp.
        static func epochMilliseconds(_ value: JSONValue) -> Int64? {
            switch value {
            case .number(let text): return epochMilliseconds(seconds: text)
            case .string(let text):
                if !text.isEmpty, text.utf8.allSatisfy(RecipientPattern.isDigit) {
                    return epochMilliseconds(seconds: text)
                }
                return epochMilliseconds(beijingTime: text)
            default: return nil
            }
        }

        /// `1457336869` or `1457336869.25` (no sign, no exponent) as milliseconds.
        static func epochMilliseconds(seconds text: String) -> Int64? {
            let parts = text.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count <= 2, let whole = parts.first, !whole.isEmpty, whole.utf8.count <= 12,
                whole.utf8.allSatisfy(RecipientPattern.isDigit), let seconds = Int64(whole), seconds <= latestSecond
            else { return nil }
            var milliseconds: Int64 = 0
            if parts.count == 2 {
                let fraction = parts[1]
                guard !fraction.isEmpty, fraction.utf8.allSatisfy(RecipientPattern.isDigit) else { return nil }
                var scale: Int64 = 100
                for digit in fraction.utf8.prefix(3) {
                    milliseconds += Int64(digit - UInt8(ascii: "0")) * scale
                    scale /= 10
                }
            }
            return seconds * 1000 + milliseconds
        }

        /// `yyyy-MM-dd HH:mm:ss` in Beijing time as milliseconds, checking every field (no Foundation).
        static func epochMilliseconds(beijingTime text: String) -> Int64? {
            let bytes = Array(text.utf8)
            guard bytes.count == 19 else { return nil }
            let separators: [(Int, Character)] = [(4, "-"), (7, "-"), (10, " "), (13, ":"), (16, ":")]
            for (offset, separator) in separators where bytes[offset] != separator.asciiValue {
                return nil
            }
            func number(_ range: Range<Int>) -> Int? {
                var value = 0
                for byte in bytes[range] {
                    guard RecipientPattern.isDigit(byte) else { return nil }
                    value = value * 10 + Int(byte - UInt8(ascii: "0"))
                }
                return value
            }
            guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
                let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
                (1...12).contains(month), (1...daysInMonth(month, year: year)).contains(day),
                hour < 24, minute < 60, second < 60
            else { return nil }
            let days = Int64(daysFromCivil(year: year, month: month, day: day))
            let secondsOfDay = Int64(hour * 3600 + minute * 60 + second)
            return (days * 86_400 + secondsOfDay - beijingOffset) * 1000
        }

        /// Days in a month of the proleptic Gregorian calendar.
        static func daysInMonth(_ month: Int, year: Int) -> Int {
            switch month {
            case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
            case 4, 6, 9, 11: 30
            default: 31
            }
        }

        /// Days from 1970-01-01 to a date of the proleptic Gregorian calendar (Howard Hinnant's algorithm).
        static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
            let shiftedYear = month <= 2 ? year - 1 : year
            let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
            let yearOfEra = shiftedYear - era * 400
            let dayOfYear = (153 * ((month + 9) % 12) + 2) / 5 + day - 1
            let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
            return era * 146_097 + dayOfEra - 719_468
        }
    }

    /// Reads the replies of a callback, or `nil` (the core answers 404) when `mo:` is not configured.
    public func parseCallback(_ callback: InboundCallback) throws(MessageProblem) -> CallbackReport? {
        guard let replyRules else { return nil }
        return CallbackReport(replies: try replyRules.replies(in: callback.body), answer: replyRules.answer)
    }
}
