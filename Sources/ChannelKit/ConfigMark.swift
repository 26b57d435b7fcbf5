/// A position in a configuration file, 1-based, as editors show it.
public struct ConfigMark: Sendable, Hashable, CustomStringConvertible {
    /// The file path as the operator gave it.
    public var file: String
    /// The line, from 1.
    public var line: Int
    /// The column, from 1.
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `file:line:column`.
    public var description: String { "\(file):\(line):\(column)" }
}
