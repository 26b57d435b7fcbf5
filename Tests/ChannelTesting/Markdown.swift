/// Reading plugin READMEs.
public enum Markdown {
    /// The text of the first fenced block opening with `fence` (```` ```yaml ```` by default).
    public static func fencedBlock(in markdown: String, fence: String = "```yaml\n") -> String? {
        guard let start = markdown.firstRange(of: fence) else { return nil }
        let rest = markdown[start.upperBound...]
        guard let end = rest.firstRange(of: "```") else { return nil }
        return String(rest[..<end.lowerBound])
    }
}
