import GatewayJSON

/// Rules as `strategy_versions.rules` keeps them: a JSON object without the source (stored beside it).
extension StrategyRules {
    package var storedJSON: String {
        var members: [String: JSONValue] = [
            "name": .string(name), "fingerprint": .string(fingerprint), "exit_on": .array(exitOn.map(JSONValue.string)),
            "goal_within": .number(String(goalWithin)), "first_touch": .bool(firstTouch),
            "holdout": .number(String(holdout)), "first_step": .string(firstStep),
        ]
        if let reenterAfter { members["reenter_after"] = .number(String(reenterAfter)) }
        if let goalEvent { members["goal_event"] = .string(goalEvent) }
        if let initialWait {
            members["initial_wait"] = .object([
                "resume": .string(initialWait.resume), "ms": .number(String(initialWait.milliseconds)),
            ])
        }
        return JSONValue.object(members).serialized
    }

    /// The rules stored as ``storedJSON``, with their version's source.
    package init(storedJSON text: String, source: String) throws(StoreError) {
        let value: JSONValue
        do {
            value = try JSONParser.parse(text)
        } catch {
            throw StoreError.statementFailed("stored strategy rules are damaged: \(error)")
        }
        func number(_ key: String) -> String? { value[key]?.scalarText }
        self.init(
            name: value["name"]?.stringValue ?? "", fingerprint: value["fingerprint"]?.stringValue ?? "",
            source: source, reenterAfter: number("reenter_after").flatMap { Int64($0) },
            exitOn: {
                if case .array(let names)? = value["exit_on"] { return names.compactMap(\.stringValue) }
                return []
            }(),
            goalEvent: value["goal_event"]?.stringValue, goalWithin: number("goal_within").flatMap { Int64($0) } ?? 0,
            firstTouch: value["first_touch"] == .bool(true), holdout: number("holdout").flatMap { Double($0) } ?? 0,
            firstStep: value["first_step"]?.stringValue ?? "",
            initialWait: {
                guard let wait = value["initial_wait"], let resume = wait["resume"]?.stringValue,
                    let ms = wait["ms"]?.scalarText.flatMap({ Int64($0) })
                else { return nil }
                return InitialWait(resume: resume, milliseconds: ms)
            }())
    }
}
