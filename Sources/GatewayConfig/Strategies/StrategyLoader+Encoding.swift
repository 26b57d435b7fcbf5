import ChannelKit

extension StrategyLoader {
    /// Where the first byte that is not UTF-8 sits, as a position in the file, or `nil` when the text is valid.
    ///
    /// libyaml reports a bad byte only by its offset, which `file:line:column` cannot show; a file in GBK or
    /// Latin-1 (a Chinese name saved by an old editor) is common enough to deserve its line and column. Files
    /// starting with a UTF-16 byte order mark are left to libyaml, which reads them.
    static func invalidUTF8(_ bytes: [UInt8], file: String) -> ConfigIssue? {
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) { return nil }
        var (line, column, offset) = (1, 1, 0)
        var iterator = bytes.makeIterator()
        var parser = Unicode.UTF8.ForwardParser()
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                offset += encoded.count
                if encoded.count == 1, encoded.first == 0x0A {
                    (line, column) = (line + 1, 1)
                } else {
                    column += 1
                }
            case .error:
                let byte = String(bytes[offset], radix: 16, uppercase: true)
                return ConfigIssue(
                    ConfigMark(file: file, line: line, column: column),
                    "the file is not valid UTF-8 (byte 0x\(byte)); save it as UTF-8")
            case .emptyInput:
                return nil
            }
        }
    }
}
