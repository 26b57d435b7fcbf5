internal import CYAML
public import ChannelKit

/// Parses YAML text into a located ``ConfigNode`` tree with libyaml's event API.
///
/// Scalar resolution is left to ``ConfigMap``: every scalar stays text, with its style kept (`isQuoted` is true
/// for single-quoted, double-quoted, literal `|` and folded `>` scalars, and for an explicit `!!str` tag), so
/// a plain `on` and a quoted `"on"` differ. Refused: anchors and aliases, merge keys (`<<`), more than one
/// document, collections nested deeper than ``maximumDepth``, and mapping keys that are not scalars. An empty
/// document (nothing but comments or whitespace) is a null scalar at 1:1. Marks are converted from libyaml's
/// 0-based to 1-based.
public enum YAMLParser {
    /// The deepest nesting of sequences and mappings accepted.
    public static let maximumDepth = 64

    /// Parses one YAML document.
    /// - Parameters:
    ///   - bytes: the file's contents, UTF-8 (or UTF-16 with a BOM, as libyaml accepts).
    ///   - file: the path used in every mark.
    /// - Returns: the document's root node.
    /// - Throws: the first syntax or structure problem, located in `file`.
    public static func parse(_ bytes: [UInt8], file: String) throws(ConfigIssue) -> ConfigNode {
        if bytes.isEmpty { return .scalar(ConfigScalar(text: "", mark: ConfigMark(file: file, line: 1, column: 1))) }
        let result: Result<ConfigNode, ConfigIssue> = bytes.withUnsafeBufferPointer { buffer in
            var builder = YAMLTreeBuilder(file: file)
            return builder.run(buffer)
        }
        return try result.get()
    }
}

/// Drives one libyaml parser over a buffer and assembles the nodes from its events.
private struct YAMLTreeBuilder {
    /// A collection being built. Items are appended in place through `stack[last]` (an array element is
    /// mutated where it lives); an enum payload had to be copied out and stored back on every append, which made
    /// parsing quadratic in the length of a list or mapping.
    private struct Frame {
        let isMapping: Bool
        let mark: ConfigMark
        var items: [ConfigNode] = []
        var entries: [ConfigEntry] = []
        var pendingKey: ConfigScalar?

        init(isMapping: Bool, mark: ConfigMark) {
            self.isMapping = isMapping
            self.mark = mark
        }

        /// The finished node.
        consuming func close() -> ConfigNode {
            isMapping ? .mapping(entries, mark) : .sequence(items, mark)
        }
    }

    let file: String
    private var stack: [Frame] = []
    private var root: ConfigNode?
    private var documents = 0

    init(file: String) {
        self.file = file
    }

    mutating func run(_ buffer: UnsafeBufferPointer<UInt8>) -> Result<ConfigNode, ConfigIssue> {
        let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
        defer { parser.deallocate() }
        guard yaml_parser_initialize(parser) != 0 else {
            return .failure(ConfigIssue(mark(line: 0, column: 0), "cannot start the YAML parser (out of memory)"))
        }
        defer { yaml_parser_delete(parser) }
        guard let base = buffer.baseAddress else {
            return .success(.scalar(ConfigScalar(text: "", mark: mark(line: 0, column: 0))))
        }
        yaml_parser_set_input_string(parser, base, buffer.count)

        var event = yaml_event_t()
        while true {
            guard yaml_parser_parse(parser, &event) != 0 else {
                return .failure(syntaxError(parser.pointee))
            }
            let outcome = handle(event)
            let isEnd = event.type == YAML_STREAM_END_EVENT
            yaml_event_delete(&event)
            if let issue = outcome { return .failure(issue) }
            if isEnd { break }
        }
        return .success(root ?? .scalar(ConfigScalar(text: "", mark: mark(line: 0, column: 0))))
    }

    /// Handles one event; returns the problem that stops parsing, if any.
    private mutating func handle(_ event: yaml_event_t) -> ConfigIssue? {
        let start = mark(event.start_mark)
        switch event.type {
        case YAML_DOCUMENT_START_EVENT:
            documents += 1
            if documents > 1 {
                return ConfigIssue(start, "only one YAML document is allowed per file; found a second one")
            }
        case YAML_ALIAS_EVENT:
            return ConfigIssue(start, "anchors and aliases are not supported")
        case YAML_SCALAR_EVENT:
            let data = event.data.scalar
            if data.anchor != nil { return ConfigIssue(start, "anchors and aliases are not supported") }
            let text = data.value.map {
                String(decoding: UnsafeBufferPointer(start: $0, count: data.length), as: UTF8.self)
            }
            let quoted = data.style != YAML_PLAIN_SCALAR_STYLE || Self.isStringTag(data.tag)
            return add(.scalar(ConfigScalar(text: text ?? "", mark: start, isQuoted: quoted)))
        case YAML_SEQUENCE_START_EVENT:
            if event.data.sequence_start.anchor != nil {
                return ConfigIssue(start, "anchors and aliases are not supported")
            }
            return push(Frame(isMapping: false, mark: start), at: start)
        case YAML_MAPPING_START_EVENT:
            if event.data.mapping_start.anchor != nil {
                return ConfigIssue(start, "anchors and aliases are not supported")
            }
            return push(Frame(isMapping: true, mark: start), at: start)
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            guard let frame = stack.popLast() else { return nil }
            return add(frame.close())
        default:
            break
        }
        return nil
    }

    private mutating func push(_ frame: Frame, at start: ConfigMark) -> ConfigIssue? {
        // A collection used as a mapping key is refused as soon as it starts.
        if let top = stack.last, top.isMapping, top.pendingKey == nil {
            return ConfigIssue(start, "mapping keys must be single values, not lists or mappings")
        }
        guard stack.count < YAMLParser.maximumDepth else {
            return ConfigIssue(start, "nesting is deeper than \(YAMLParser.maximumDepth) levels")
        }
        stack.append(frame)
        return nil
    }

    /// Attaches a finished node to the collection being built, or makes it the document's root.
    private mutating func add(_ node: ConfigNode) -> ConfigIssue? {
        let top = stack.count - 1
        guard top >= 0 else {
            root = node
            return nil
        }
        if !stack[top].isMapping {
            stack[top].items.append(node)
        } else if let key = stack[top].pendingKey {
            stack[top].entries.append(ConfigEntry(key: key, value: node))
            stack[top].pendingKey = nil
        } else if case .scalar(let key) = node {
            // `<<` is YAML 1.1's merge key; without anchors it can only merge inline copies, so it is refused
            // outright rather than read as a key named `<<`.
            if key.text == "<<", !key.isQuoted { return ConfigIssue(key.mark, "merge keys (<<) are not supported") }
            stack[top].pendingKey = key
        } else {
            return ConfigIssue(node.mark, "mapping keys must be single values, not lists or mappings")
        }
        return nil
    }

    private func syntaxError(_ parser: yaml_parser_t) -> ConfigIssue {
        let problem = parser.problem.map { String(cString: $0) } ?? "invalid YAML"
        var message = problem
        if let context = parser.context.map({ String(cString: $0) }) {
            let at = mark(parser.context_mark)
            message += " (\(context) started at line \(at.line), column \(at.column))"
        }
        if parser.error == YAML_READER_ERROR {
            message += " at byte \(parser.problem_offset)"
            return ConfigIssue(mark(line: 0, column: 0), message)
        }
        return ConfigIssue(mark(parser.problem_mark), message)
    }

    private static func isStringTag(_ tag: UnsafeMutablePointer<yaml_char_t>?) -> Bool {
        guard let tag else { return false }
        return String(cString: tag) == "tag:yaml.org,2002:str"
    }

    private func mark(_ mark: yaml_mark_t) -> ConfigMark {
        self.mark(line: mark.line, column: mark.column)
    }

    private func mark(line: Int, column: Int) -> ConfigMark {
        ConfigMark(file: file, line: line + 1, column: column + 1)
    }
}
