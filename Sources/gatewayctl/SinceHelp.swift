/// The one `--since` grammar of `report` and `tail`; the daemon parses it (`PastTime` in GatewayCore), so both
/// commands pass the text through as written.
enum SinceHelp {
    /// The three forms, as the help texts and gatewayctl(1) give them.
    static let grammar = "a duration back from now (30m, 24h, 7d), an RFC 3339 time or epoch milliseconds"
}
