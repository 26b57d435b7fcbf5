public import GatewayJSON

/// `health`: whether the daemon is serving.
public struct HealthAnswer: ControlAnswer, Hashable {
    /// `serving`, `degraded` or `draining`.
    public var status: String
    public var degraded: [String]
    public var paused: [String]
    public var version: String
    /// The callback listener's bound address, `nil` when off.
    public var listen: String?
    /// The strategy engine: `starting` until registration finished and it first turned, then `ready`; `nil`
    /// (left out) when no strategies are configured.
    public var strategies: String?

    public init(
        status: String, degraded: [String], paused: [String], version: String, listen: String?,
        strategies: String? = nil
    ) {
        self.status = status
        self.degraded = degraded
        self.paused = paused
        self.version = version
        self.listen = listen
        self.strategies = strategies
    }

    public func appendFields(to line: inout String) {
        line += ",\"status\":\"\(status)\""
        AnswerLine.appendList("degraded", degraded, to: &line)
        AnswerLine.appendList("paused", paused, to: &line)
        line += ",\"version\":\"\(version)\",\"listen\":"
        if let listen { JSONValue.appendQuoted(listen, to: &line) } else { line += "null" }
        if let strategies {
            line += ",\"strategies\":"
            JSONValue.appendQuoted(strategies, to: &line)
        }
    }

    public init?(json: JSONValue) {
        guard case .string(let status)? = json["status"] else { return nil }
        self.init(
            status: status, degraded: AnswerLine.strings(json["degraded"]) ?? [],
            paused: AnswerLine.strings(json["paused"]) ?? [], version: json["version"]?.stringValue ?? "",
            listen: json["listen"]?.stringValue, strategies: json["strategies"]?.stringValue)
    }
}
