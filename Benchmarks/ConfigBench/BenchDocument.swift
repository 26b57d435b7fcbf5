/// The document `configbench` parses: a configuration-shaped YAML file of a given size, half a long block list,
/// half a big mapping, the two shapes whose appends were quadratic.
struct BenchDocument {
    /// The YAML text, UTF-8.
    let bytes: [UInt8]
    /// Entries of the `optout_keywords` list.
    let listEntries: Int
    /// Entries of the `templates` mapping.
    let mappingEntries: Int

    /// Builds a document of at most `size` bytes (the loader's limit is 1 MiB).
    init(size: Int) {
        var text: [UInt8] = Array("optout_keywords:\n".utf8)
        var list = 0
        while true {
            let line = Array("  - keyword-\(Self.padded(list + 1))\n".utf8)
            guard text.count + line.count <= size / 2 else { break }
            text += line
            list += 1
        }
        text += Array("templates:\n".utf8)
        var mapping = 0
        while true {
            let number = Self.padded(mapping + 1)
            let line = Array("  tpl-\(number): \"Your code is {{code}}; template \(number)\"\n".utf8)
            guard text.count + line.count <= size else { break }
            text += line
            mapping += 1
        }
        bytes = text
        listEntries = list
        mappingEntries = mapping
    }

    /// A number as seven digits, so every line of a section has the same length.
    private static func padded(_ number: Int) -> String {
        let digits = String(number)
        return String(repeating: "0", count: max(0, 7 - digits.count)) + digits
    }
}
