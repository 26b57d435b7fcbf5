/// Decides whether an SMS reply means "stop": equal to a configured keyword once case, spaces, full-width forms
/// and surrounding punctuation are ignored (`ｔｄ`, ` TD。`, `退订！` all match).
package struct OptOutKeywords: Sendable {
    private let words: Set<String>

    /// - Parameter keywords: the configured words (`T`, `TD`, `R`, `退订`, `N` by default).
    init(_ keywords: [String]) {
        words = Set(keywords.map(Self.normalize).filter { !$0.isEmpty })
    }

    /// Whether `reply` is one of the keywords.
    package func matches(_ reply: String) -> Bool {
        words.contains(Self.normalize(reply))
    }

    private static let punctuation: Set<Character> = [
        ".", ",", "!", "?", ";", ":", "'", "\"", "。", "，", "！", "？", "；", "：", "、", "…", "~", "～",
    ]

    /// Full-width ASCII to ASCII, no whitespace (ideographic space included), upper case, no punctuation at
    /// either end.
    static func normalize(_ text: String) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if scalar.properties.isWhitespace { continue }
            if (0xFF01...0xFF5E).contains(scalar.value), let ascii = Unicode.Scalar(scalar.value - 0xFEE0) {
                scalars.append(ascii)
            } else {
                scalars.append(scalar)
            }
        }
        var result = Substring(String(scalars).uppercased())
        while let first = result.first, punctuation.contains(first) { result.removeFirst() }
        while let last = result.last, punctuation.contains(last) { result.removeLast() }
        return String(result)
    }
}
