public import GatewayJSON

/// `requeue`: failed messages of an instance back to a queue, or a held or paused instance's queue moved to
/// another instance; `dry_run` only counts.
public struct RequeueRequest: Sendable, Hashable {
    public var channel: String
    /// A reason category name (checked by the daemon): only failures of it.
    public var reason: String?
    public var since: TimeInput?
    public var until: TimeInput?
    public var toChannel: String?
    /// Move the still-queued messages instead of failed ones.
    public var queued: Bool
    public var dryRun: Bool

    public init(
        channel: String, reason: String? = nil, since: TimeInput? = nil, until: TimeInput? = nil,
        toChannel: String? = nil, queued: Bool = false, dryRun: Bool = false
    ) {
        self.channel = channel
        self.reason = reason
        self.since = since
        self.until = until
        self.toChannel = toChannel
        self.queued = queued
        self.dryRun = dryRun
    }

    public init(decoding members: [String: JSONValue]) throws(ControlError) {
        let fields = try RequestFields(
            members, allowed: ["channel", "reason", "since", "until", "to_channel", "queued", "dry_run"])
        guard let channel = try fields.text("channel") else {
            throw .badRequest("missing field 'channel'", field: "channel")
        }
        self.channel = channel
        queued = try fields.flag("queued")
        dryRun = try fields.flag("dry_run")
        reason = try fields.text("reason")
        toChannel = try fields.text("to_channel")
        since = try fields.time("since", past: true)
        until = try fields.time("until", past: true)
    }

    public var members: [String: JSONValue] {
        var members: [String: JSONValue] = ["channel": .string(channel)]
        members["reason"] = reason.map(JSONValue.string)
        members["since"] = since?.json
        members["until"] = until?.json
        members["to_channel"] = toChannel.map(JSONValue.string)
        if queued { members["queued"] = .bool(true) }
        if dryRun { members["dry_run"] = .bool(true) }
        return members
    }
}
