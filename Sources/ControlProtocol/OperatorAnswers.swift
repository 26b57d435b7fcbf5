public import GatewayJSON

/// `reload`: what changed; `warnings` are issues that did not stop the reload.
public struct ReloadAnswer: ControlAnswer, Hashable {
    public var added: [String]
    public var changed: [String]
    public var removed: [String]
    public var warnings: [String]

    public init(added: [String], changed: [String], removed: [String], warnings: [String]) {
        self.added = added
        self.changed = changed
        self.removed = removed
        self.warnings = warnings
    }

    public func appendFields(to line: inout String) {
        AnswerLine.appendList("added", added, to: &line)
        AnswerLine.appendList("changed", changed, to: &line)
        AnswerLine.appendList("removed", removed, to: &line)
        AnswerLine.appendList("warnings", warnings, to: &line)
    }

    public init?(json: JSONValue) {
        guard let added = AnswerLine.strings(json["added"]), let changed = AnswerLine.strings(json["changed"]),
            let removed = AnswerLine.strings(json["removed"])
        else { return nil }
        self.init(
            added: added, changed: changed, removed: removed, warnings: AnswerLine.strings(json["warnings"]) ?? [])
    }
}

/// `pause` and `resume`: the instance and whether it is paused now.
public struct PauseAnswer: ControlAnswer, Hashable {
    public var channel: String
    public var paused: Bool

    public init(channel: String, paused: Bool) {
        self.channel = channel
        self.paused = paused
    }

    public func appendFields(to line: inout String) {
        line += ",\"channel\":"
        JSONValue.appendQuoted(channel, to: &line)
        line += ",\"paused\":\(paused)"
    }

    public init?(json: JSONValue) {
        guard case .string(let channel)? = json["channel"], case .bool(let paused)? = json["paused"] else {
            return nil
        }
        self.init(channel: channel, paused: paused)
    }
}

/// `requeue`: how many messages moved, or with `dry_run` how many would.
public struct RequeueAnswer: ControlAnswer, Hashable {
    public var count: Int
    public var dryRun: Bool

    public init(count: Int, dryRun: Bool) {
        self.count = count
        self.dryRun = dryRun
    }

    public func appendFields(to line: inout String) {
        line += dryRun ? ",\"dry_run\":true,\"matched\":\(count)" : ",\"requeued\":\(count)"
    }

    public init?(json: JSONValue) {
        if let matched = json["matched"]?.intValue, json["dry_run"] == .bool(true) {
            self.init(count: matched, dryRun: true)
        } else if let requeued = json["requeued"]?.intValue {
            self.init(count: requeued, dryRun: false)
        } else {
            return nil
        }
    }
}

/// `cancel`: the message that will never reach the vendor.
public struct CancelAnswer: ControlAnswer, Hashable {
    public var messageID: String

    public init(messageID: String) { self.messageID = messageID }

    public func appendFields(to line: inout String) {
        line += ",\"message_id\":"
        JSONValue.appendQuoted(messageID, to: &line)
        line += ",\"state\":\"cancelled\""
    }

    public init?(json: JSONValue) {
        guard case .string(let messageID)? = json["message_id"] else { return nil }
        self.init(messageID: messageID)
    }
}

/// `event`: recorded, or a repeat of an event id already recorded.
public struct EventAnswer: ControlAnswer, Hashable {
    public var eventID: String
    public var duplicate: Bool

    public init(eventID: String, duplicate: Bool) {
        self.eventID = eventID
        self.duplicate = duplicate
    }

    public func appendFields(to line: inout String) {
        line += ",\"event_id\":"
        JSONValue.appendQuoted(eventID, to: &line)
        line += ",\"state\":\"\(duplicate ? "duplicate" : "recorded")\""
    }
}

/// `optout` and `optin`: the standing decision, once committed to the consent log.
public struct ConsentChangeAnswer: ControlAnswer, Hashable {
    /// `customer` or `address`.
    public var subjectKind: String
    public var subject: String
    /// `all` or a channel type.
    public var channel: String
    public var optedOut: Bool

    public init(subjectKind: String, subject: String, channel: String, optedOut: Bool) {
        self.subjectKind = subjectKind
        self.subject = subject
        self.channel = channel
        self.optedOut = optedOut
    }

    public func appendFields(to line: inout String) {
        line += ",\"\(subjectKind)\":"
        JSONValue.appendQuoted(subject, to: &line)
        line += ",\"channel\":"
        JSONValue.appendQuoted(channel, to: &line)
        line += ",\"state\":\"\(optedOut ? "opted_out" : "opted_in")\""
    }

    public init?(json: JSONValue) {
        guard case .string(let channel)? = json["channel"], case .string(let state)? = json["state"] else {
            return nil
        }
        let kind = json["customer"] != nil ? "customer" : "address"
        guard let subject = json[kind]?.stringValue else { return nil }
        self.init(subjectKind: kind, subject: subject, channel: channel, optedOut: state == "opted_out")
    }
}

/// `subscribe`: the stream follows this answer.
public struct SubscribeAnswer: ControlAnswer, Hashable {
    public init() {}

    public func appendFields(to line: inout String) { line += ",\"subscribed\":true" }
}

/// `health`: whether the daemon is serving.
public struct HealthAnswer: ControlAnswer, Hashable {
    /// `serving`, `degraded` or `draining`.
    public var status: String
    public var degraded: [String]
    public var paused: [String]
    public var version: String
    /// The callback listener's bound address, `nil` when off.
    public var listen: String?

    public init(status: String, degraded: [String], paused: [String], version: String, listen: String?) {
        self.status = status
        self.degraded = degraded
        self.paused = paused
        self.version = version
        self.listen = listen
    }

    public func appendFields(to line: inout String) {
        line += ",\"status\":\"\(status)\""
        AnswerLine.appendList("degraded", degraded, to: &line)
        AnswerLine.appendList("paused", paused, to: &line)
        line += ",\"version\":\"\(version)\",\"listen\":"
        if let listen { JSONValue.appendQuoted(listen, to: &line) } else { line += "null" }
    }

    public init?(json: JSONValue) {
        guard case .string(let status)? = json["status"] else { return nil }
        self.init(
            status: status, degraded: AnswerLine.strings(json["degraded"]) ?? [],
            paused: AnswerLine.strings(json["paused"]) ?? [], version: json["version"]?.stringValue ?? "",
            listen: json["listen"]?.stringValue)
    }
}
