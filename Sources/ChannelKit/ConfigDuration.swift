/// Parses and formats the duration strings used in configuration (`150ms`, `2s`, `5m`, `48h`, `7d`, `1h30m`).
public enum ConfigDuration {
    /// Parses a duration; `nil` if the text is not one. Units: ms, s, m, h, d.
    public static func parse(_ text: String) -> Duration? {
        var total: Int64 = 0
        var number: Int64? = nil
        var unit = ""
        var sawAny = false

        func flush() -> Bool {
            guard let value = number else { return unit.isEmpty }
            let millis: Int64
            switch unit {
            case "ms": millis = 1
            case "s": millis = 1000
            case "m": millis = 60_000
            case "h": millis = 3_600_000
            case "d": millis = 86_400_000
            default: return false
            }
            let (product, overflow) = value.multipliedReportingOverflow(by: millis)
            // Each part fits, but their sum may not (`4611686018427387903ms` three times): no trap on bad input.
            let (sum, sumOverflow) = total.addingReportingOverflow(product)
            guard !overflow, !sumOverflow else { return false }
            total = sum
            number = nil
            unit = ""
            sawAny = true
            return true
        }

        for character in text {
            if let digit = character.wholeNumberValue, character.isASCII {
                if !unit.isEmpty {
                    guard flush() else { return nil }
                }
                let (scaled, overflow) = (number ?? 0).multipliedReportingOverflow(by: 10)
                guard !overflow, scaled <= Int64.max / 2 else { return nil }
                number = scaled + Int64(digit)
            } else if character.isLetter, character.isASCII {
                guard number != nil else { return nil }
                unit.append(character)
            } else {
                return nil
            }
        }
        guard number == nil || !unit.isEmpty else { return nil }
        guard flush(), sawAny else { return nil }
        return .milliseconds(total)
    }

    /// Formats a duration in the largest unit that divides it exactly (`2s`, `7d`, `1500ms`).
    public static func format(_ duration: Duration) -> String {
        let millis = duration.milliseconds
        for (unit, size) in [("d", Int64(86_400_000)), ("h", 3_600_000), ("m", 60_000), ("s", 1000)]
        where millis != 0 && millis % size == 0 {
            return "\(millis / size)\(unit)"
        }
        return "\(millis)ms"
    }
}

extension Duration {
    /// The duration in whole milliseconds, rounded down.
    public var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
