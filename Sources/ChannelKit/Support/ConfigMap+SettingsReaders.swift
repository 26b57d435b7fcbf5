/// Setting readers several vendor profiles share, so no profile reaches into a sibling's statics for them.
extension ConfigMap {
    /// A plain text setting: not a secret reference, not blank, no control characters (it is sent as written).
    public func plainText(_ key: String, required: Bool = false) -> String? {
        guard let scalar = scalar(key, required: required) else { return nil }
        if scalar.secret != nil {
            error(key, "'\(key)' cannot be a secret reference: it is sent as written")
        } else if scalar.text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            error(key, "'\(key)' must not contain control characters")
        } else if scalar.text.allSatisfy({ $0 == " " }) {
            error(key, "'\(key)' must not be blank")
        } else {
            return scalar.text
        }
        return nil
    }

    /// `endpoint`: an absolute `http://` or `https://` URL without query or fragment; `fallback` when absent,
    /// `nil` (reported) when wrong.
    public func endpoint(default fallback: String) -> String? {
        guard let text = plainText("endpoint") else {
            return contains("endpoint") ? nil : fallback
        }
        guard text.hasPrefix("http://") || text.hasPrefix("https://"), !text.contains("?"), !text.contains("#"),
            !text.contains(" ")
        else {
            error("endpoint", "'endpoint' must be an http:// or https:// URL without query, such as \(fallback)")
            return nil
        }
        return text
    }
}
