import ChannelKit
import GatewayConfig

#if canImport(Glibc)
    import Glibc
#endif

/// `configbench`: how long the configuration reader takes on a 1 MiB file (the loader's size limit), against
/// libyaml alone scanning the same bytes in the same run.
///
/// Usage:
/// - `configbench [--size BYTES] [--runs N]`: one summary line, best of N runs of each, interleaved.
/// - `configbench --write PATH [--size BYTES]`: writes the document, for timing the two passes from outside.
/// - `configbench --parse PATH` or `--scan PATH`: one pass of the reader (tree built) or of libyaml alone.
@main
enum ConfigBench {
    static func main() {
        var options = CommandLine.arguments.dropFirst()
        var size = 1 << 20
        var runs = 5
        var mode = "summary"
        var path = ""
        while let option = options.popFirst() {
            switch option {
            case "--size": size = options.popFirst().flatMap { Int($0) } ?? 0
            case "--runs": runs = options.popFirst().flatMap { Int($0) } ?? 0
            case "--write", "--parse", "--scan":
                mode = String(option.dropFirst(2))
                path = options.popFirst() ?? ""
            default: fail("unknown argument '\(option)'", code: 2)
            }
        }
        guard size > 64, runs > 0, mode == "summary" || !path.isEmpty else {
            fail("usage: configbench [--size BYTES] [--runs N] | --write PATH | --parse PATH | --scan PATH", code: 2)
        }
        switch mode {
        case "write":
            let document = BenchDocument(size: size)
            guard let file = fopen(path, "wb"),
                fwrite(document.bytes, 1, document.bytes.count, file) == document.bytes.count
            else { fail("cannot write \(path)", code: 1) }
            fclose(file)
        case "parse":
            let node = parse(read(path))
            print("\(count(node)) nodes")
        case "scan":
            print("\(LibYAMLScan.events(in: read(path))) events")
        default:
            summary(size: size, runs: runs)
        }
    }

    /// Times both passes over the same bytes, interleaved so a drifting machine affects both alike.
    private static func summary(size: Int, runs: Int) {
        let document = BenchDocument(size: size)
        let clock = ContinuousClock()
        var parseBest = Duration.seconds(3600)
        var scanBest = Duration.seconds(3600)
        for _ in 0..<runs {
            var node: ConfigNode?
            parseBest = min(parseBest, clock.measure { node = parse(document.bytes) })
            // The tree must hold every entry, or the figure would flatter a reader that drops them.
            guard let node, entries(node) == [document.listEntries, document.mappingEntries] else {
                fail("the parsed tree does not hold the document's entries", code: 1)
            }
            var events = 0
            scanBest = min(scanBest, clock.measure { events = LibYAMLScan.events(in: document.bytes) })
            guard events > 0 else { fail("libyaml refused the document", code: 1) }
        }
        let parseMs = milliseconds(parseBest)
        let scanMs = milliseconds(scanBest)
        let ratio = scanMs > 0 ? parseMs / scanMs : 0
        print(
            "bench-config: \(document.bytes.count)-byte file (\(document.listEntries)-entry list,"
                + " \(document.mappingEntries)-key mapping): parse \(format(parseMs)) ms (best of \(runs))"
                + " | libyaml scan alone \(format(scanMs)) ms, parse/scan \(format(ratio))x"
                + " | targets: parse < 250 ms and <= 3x the scan: \(parseMs < 250 && ratio <= 3 ? "met" : "MISSED")"
        )
    }

    private static func parse(_ bytes: [UInt8]) -> ConfigNode {
        do {
            return try YAMLParser.parse(bytes, file: "bench.yaml")
        } catch {
            fail("\(error)", code: 1)
        }
    }

    /// The entry counts of the top-level mapping's values, in order.
    private static func entries(_ node: ConfigNode) -> [Int] {
        guard case .mapping(let top, _) = node else { return [] }
        return top.map { entry in
            switch entry.value {
            case .sequence(let items, _): items.count
            case .mapping(let entries, _): entries.count
            case .scalar: 0
            }
        }
    }

    /// Every node of a tree, keys included.
    private static func count(_ node: ConfigNode) -> Int {
        switch node {
        case .scalar: 1
        case .sequence(let items, _): 1 + items.reduce(0) { $0 + count($1) }
        case .mapping(let entries, _): 1 + entries.reduce(0) { $0 + 1 + count($1.value) }
        }
    }

    private static func read(_ path: String) -> [UInt8] {
        guard let file = fopen(path, "rb") else { fail("cannot open \(path)", code: 1) }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = fread(&chunk, 1, chunk.count, file)
            if count <= 0 { break }
            bytes += chunk[0..<count]
        }
        return bytes
    }

    private static func milliseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }

    private static func format(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }

    private static func fail(_ message: String, code: Int32) -> Never {
        let bytes = Array("configbench: \(message)\n".utf8)
        _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        exit(code)
    }
}
