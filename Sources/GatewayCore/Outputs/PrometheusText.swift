import Foundation

/// A page of the Prometheus text exposition format (0.0.4) being written: families in the order first declared,
/// each with exactly one `# HELP` and `# TYPE` (printed even when it has no samples yet, so dashboards and alerts
/// can name it before the first event) and its samples kept together.
///
/// Declaring a name twice adds to the same family rather than repeating its HELP line: Prometheus rejects a page
/// where two families share a name, and `promtool check metrics` is run on the real page by the tests.
struct PrometheusText {
    /// The kind of a family (`# TYPE`).
    enum Kind: String {
        case counter, gauge, histogram
    }

    private struct Family {
        var kind: Kind
        var help: String
        var samples: String = ""
    }

    private var order: [String] = []
    private var families: [String: Family] = [:]

    /// Declares a family by its full name (the first declaration's type and help are kept).
    mutating func family(_ name: String, _ kind: Kind, _ help: String) {
        guard families[name] == nil else { return }
        order.append(name)
        families[name] = Family(kind: kind, help: help)
    }

    /// Adds an unlabelled sample to the declared family `family` (`suffix`: `_bucket`, `_sum`, `_count`).
    mutating func sample(_ family: String, _ value: Double, suffix: String = "") {
        sample(family, labels: [], value, suffix: suffix)
    }

    /// Adds an unlabelled integer sample.
    mutating func sample(_ family: String, _ value: Int, suffix: String = "") {
        sample(family, labels: [], Double(value), suffix: suffix)
    }

    /// Adds a labelled sample.
    mutating func sample(
        _ family: String, _ labels: KeyValuePairs<String, String>, _ value: Double, suffix: String = ""
    ) {
        sample(family, labels: Array(labels), value, suffix: suffix)
    }

    /// Adds a labelled integer sample.
    mutating func sample(_ family: String, _ labels: KeyValuePairs<String, String>, _ value: Int, suffix: String = "") {
        sample(family, labels: Array(labels), Double(value), suffix: suffix)
    }

    /// Adds a sample with labels built at run time.
    mutating func sample(
        _ family: String, labels: [(key: String, value: String)], _ value: Double, suffix: String = ""
    ) {
        precondition(families[family] != nil, "sample for undeclared family \(family)")
        var line = family + suffix
        if !labels.isEmpty {
            line += "{"
            for (index, label) in labels.enumerated() {
                if index > 0 { line += "," }
                line += label.key + "=\"" + Self.escape(label.value) + "\""
            }
            line += "}"
        }
        line += " " + Self.format(value) + "\n"
        families[family]!.samples += line
    }

    /// Declares a histogram family and writes its buckets, sum and count.
    mutating func histogram(_ name: String, _ help: String, _ histogram: LatencyHistogram) {
        family(name, .histogram, help)
        let snapshot = histogram.snapshot()
        for (bound, count) in zip(histogram.bounds, snapshot.cumulative) {
            sample(name, ["le": Self.format(bound)], count, suffix: "_bucket")
        }
        sample(name, ["le": "+Inf"], snapshot.count, suffix: "_bucket")
        sample(name, snapshot.sumSeconds, suffix: "_sum")
        sample(name, snapshot.count, suffix: "_count")
    }

    /// The names of the families declared so far.
    var familyNames: [String] { order }

    /// The page.
    var text: String {
        var page = ""
        for name in order {
            let family = families[name]!
            page += "# HELP \(name) \(Self.escapeHelp(family.help))\n# TYPE \(name) \(family.kind.rawValue)\n"
            page += family.samples
        }
        return page
    }

    /// Integers without a decimal point; others in Swift's shortest exact form; NaN and infinities as Prometheus
    /// spells them.
    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }

    /// Label values escape backslash, quote and newline.
    static func escape(_ text: String) -> String {
        guard text.contains(where: { $0 == "\\" || $0 == "\"" || $0 == "\n" }) else { return text }
        return text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    /// HELP text escapes backslash and newline.
    private static func escapeHelp(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
    }
}
