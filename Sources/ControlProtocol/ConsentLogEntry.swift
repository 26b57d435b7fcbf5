public import GatewayJSON

/// One entry of the consent log, as `consent` and `consent_export` show it.
///
/// The log is evidence: a client reads an entry whole or not at all, and ``json`` gives back exactly the object
/// the daemon sent (fields this client does not know are kept in ``otherFields``; a field left out reads as
/// `null`).
public struct ConsentLogEntry: Sendable, Hashable {
    /// The names of the entry's own fields after `seq`, in the order the daemon writes them.
    public static let fieldNames = [
        "subject_kind", "subject", "channel", "action", "route", "evidence", "client", "at",
    ]

    public var seq: Int64
    /// `customer` or `address`.
    public var subjectKind: String?
    public var subject: String?
    /// `all` or a channel type.
    public var channel: String?
    /// `optout` or `optin`.
    public var action: String?
    public var route: String?
    public var evidence: String?
    /// Who asked (`uid=…,pid=…`) or which callback.
    public var client: String?
    /// An RFC 3339 time.
    public var at: String?
    /// Members a newer daemon sends that this type does not name, kept as sent.
    public var otherFields: [String: JSONValue] = [:]

    public init(
        seq: Int64, subjectKind: String?, subject: String?, channel: String?, action: String?, route: String?,
        evidence: String?, client: String?, at: String?
    ) {
        self.seq = seq
        self.subjectKind = subjectKind
        self.subject = subject
        self.channel = channel
        self.action = action
        self.route = route
        self.evidence = evidence
        self.client = client
        self.at = at
    }

    /// The value of a field by its wire name (`seq` as its digits); `nil` when `null` or unknown.
    public subscript(field: String) -> String? {
        switch field {
        case "seq": String(seq)
        case "subject_kind": subjectKind
        case "subject": subject
        case "channel": channel
        case "action": action
        case "route": route
        case "evidence": evidence
        case "client": client
        case "at": at
        default: otherFields[field]?.scalarText
        }
    }

    /// Reads an entry; `nil` unless `seq` is a whole number written plainly and every named field a string or
    /// `null`, so that ``json`` is the object as received.
    public init?(json: JSONValue) {
        guard case .object(let members) = json, case .number(let digits)? = members["seq"],
            let seq = Int64(digits), String(seq) == digits
        else { return nil }
        var texts: [String?] = []
        for name in Self.fieldNames {
            switch members[name] {
            case nil, .null?: texts.append(nil)
            case .string(let text)?: texts.append(text)
            default: return nil
            }
        }
        self.init(
            seq: seq, subjectKind: texts[0], subject: texts[1], channel: texts[2], action: texts[3], route: texts[4],
            evidence: texts[5], client: texts[6], at: texts[7])
        otherFields = members.filter { $0.key != "seq" && !Self.fieldNames.contains($0.key) }
    }

    /// Reads a list of entries; `nil` when it is not a list or any entry cannot be read whole.
    static func entries(_ value: JSONValue?) -> [ConsentLogEntry]? {
        guard case .array(let items)? = value else { return nil }
        var entries: [ConsentLogEntry] = []
        entries.reserveCapacity(items.count)
        for item in items {
            guard let entry = ConsentLogEntry(json: item) else { return nil }
            entries.append(entry)
        }
        return entries
    }

    /// The entry as a JSON value.
    public var json: JSONValue {
        var members = otherFields
        members["seq"] = .number(String(seq))
        for name in Self.fieldNames { members[name] = self[name].map(JSONValue.string) ?? .null }
        return .object(members)
    }

    /// The entry as a JSON object, in the daemon's field order (fields of a newer daemon last, by name).
    public func append(to line: inout String) {
        line += "{\"seq\":\(seq)"
        for name in Self.fieldNames {
            line += ",\"\(name)\":"
            if let value = self[name] { JSONValue.appendQuoted(value, to: &line) } else { line += "null" }
        }
        for name in otherFields.keys.sorted() {
            line += ","
            JSONValue.appendQuoted(name, to: &line)
            line += ":"
            otherFields[name]!.write(to: &line)
        }
        line += "}"
    }

    static func appendList(_ entries: [ConsentLogEntry], to line: inout String) {
        line += "["
        for (offset, entry) in entries.enumerated() {
            if offset > 0 { line += "," }
            entry.append(to: &line)
        }
        line += "]"
    }
}
