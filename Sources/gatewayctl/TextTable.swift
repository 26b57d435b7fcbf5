/// A plain-text table with left-aligned columns sized to their widest cell.
struct TextTable {
    private let header: [String]
    private var rows: [[String]] = []

    init(_ header: [String]) {
        self.header = header
    }

    /// Adds a row; missing cells print empty.
    mutating func append(_ row: [String]) {
        rows.append(row)
    }

    /// The table with a header line, two spaces between columns and no trailing spaces.
    func render() -> String {
        let all = [header] + rows
        var widths = Array(repeating: 0, count: header.count)
        for row in all {
            for (column, cell) in row.prefix(widths.count).enumerated() {
                widths[column] = max(widths[column], cell.count)
            }
        }
        var text = ""
        for row in all {
            var line = ""
            for column in widths.indices {
                let cell = column < row.count ? row[column] : ""
                line += column == widths.count - 1 ? cell : cell.padding(to: widths[column] + 2)
            }
            while line.last == " " { line.removeLast() }
            text += line + "\n"
        }
        return text
    }
}

extension String {
    /// The string left-aligned in a field of `width` characters, followed by at least one space.
    func padding(to width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
