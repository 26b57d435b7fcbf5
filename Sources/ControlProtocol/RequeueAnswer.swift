public import GatewayJSON

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
