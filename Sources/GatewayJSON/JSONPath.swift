/// A small JSON path (`$.data.id`, `$.results[0].code`, `code`) for reading fields of vendor replies.
///
/// Supported: `$` root (optional), `.name` members, `['name']` quoted members and `[N]` array indexes.
public struct JSONPath: Sendable, Hashable, CustomStringConvertible {
    enum Step: Sendable, Hashable {
        case member(String)
        case index(Int)
    }

    let steps: [Step]
    /// The path as written.
    public let description: String

    /// Parses a path; `nil` if it is malformed.
    public init?(_ text: String) {
        var steps: [Step] = []
        var rest = Substring(text)
        if rest.hasPrefix("$") { rest.removeFirst() }
        var expectingMember = !text.hasPrefix("$")
        while !rest.isEmpty || expectingMember {
            if expectingMember || rest.hasPrefix(".") {
                if !expectingMember { rest.removeFirst() }
                expectingMember = false
                let name = rest.prefix { $0 != "." && $0 != "[" }
                guard !name.isEmpty else { return nil }
                steps.append(.member(String(name)))
                rest = rest.dropFirst(name.count)
            } else if rest.hasPrefix("['") {
                rest.removeFirst(2)
                guard let end = rest.firstIndex(of: "'"), rest[end...].hasPrefix("']") else { return nil }
                steps.append(.member(String(rest[..<end])))
                rest = rest[end...].dropFirst(2)
            } else if rest.hasPrefix("[") {
                rest.removeFirst()
                guard let end = rest.firstIndex(of: "]"), let index = Int(rest[..<end]), index >= 0 else {
                    return nil
                }
                steps.append(.index(index))
                rest = rest[end...].dropFirst()
            } else {
                return nil
            }
        }
        self.steps = steps
        self.description = text
    }

    /// The value at this path, or `nil` if any step is missing.
    public func evaluate(_ value: JSONValue) -> JSONValue? {
        var current = value
        for step in steps {
            switch (step, current) {
            case (.member(let name), .object(let members)):
                guard let next = members[name] else { return nil }
                current = next
            case (.index(let index), .array(let items)):
                guard index < items.count else { return nil }
                current = items[index]
            default:
                return nil
            }
        }
        return current
    }
}
