import ChannelKit

/// Turns a strategy file's mapping into a ``StrategyDefinition`` and its ``StrategyMarks``, reporting every
/// local problem (types, ranges, unknown keys, templates); whole-strategy checks are ``StrategyValidator``'s.
struct StrategyReader {
    let issues: ConfigIssueCollector
    var marks: StrategyMarks

    mutating func definition(_ map: ConfigMap, name: String) -> StrategyDefinition {
        var definition = StrategyDefinition(name: name, steps: [])
        if let category = map.choice("category", ["critical", "transactional", "marketing"]) {
            definition.category = MessageCategory(name: category) ?? .marketing
        }
        if let node = map.node("entry") { definition.entry = entry(node) ?? .once }
        if let events = map.scalarList("exit_on") { definition.exitOn = exitEvents(events) }
        if let goal = map.map("goal", keys: ["event", "within", "attribution"]) { definition.goal = self.goal(goal) }
        if let holdout = map.scalar("holdout") { definition.holdout = self.holdout(holdout) ?? 0 }
        if let list = map.node("steps") {
            definition.steps = steps(list)
        } else {
            issues.error(map.mark, "missing required key 'steps' in '\(name)' (the list of steps)")
        }
        if let migrate = map.scalarMap("migrate") {
            for (source, target) in migrate {
                if definition.migrate[source] != nil {
                    issues.error(target.mark, "duplicate key '\(source)' in 'migrate'")
                    continue
                }
                if !StrategyLoader.isValidID(source) {
                    issues.error(
                        target.mark, "'migrate' source '\(source)' is not a step id ([a-z0-9][a-z0-9_-]{0,62})")
                    continue
                }
                definition.migrate[source] = target.text
                marks.migrate.append((source, target.text, target.mark))
            }
        }
        return definition
    }

    // MARK: - Settings

    private func entry(_ node: ConfigNode) -> EntryRule? {
        if case .scalar(let scalar) = node {
            if scalar.text == "once" { return .once }
            issues.error(
                scalar.mark, "invalid value '\(scalar.text)' for 'entry'; expected once or {reenter_after: DURATION}")
            return nil
        }
        guard let map = ConfigMap(node, context: "entry", keys: ["reenter_after"], issues: issues) else { return nil }
        guard let after = map.duration("reenter_after", in: .seconds(1)...(.seconds(3650 * 86_400)), required: true)
        else { return nil }
        return .reenterAfter(after)
    }

    private func exitEvents(_ scalars: [ConfigScalar]) -> [StrategyEvent] {
        var events: [StrategyEvent] = []
        // A set, not `events.contains`: a 1 MiB list of distinct custom names must not take quadratic time.
        var seen: Set<StrategyEvent> = []
        for scalar in scalars {
            guard let event = StrategyEvent(scalar.text) else {
                issues.error(scalar.mark, "invalid event '\(scalar.text)' in 'exit_on'; \(Self.eventHint)")
                continue
            }
            if !seen.insert(event).inserted {
                issues.error(scalar.mark, "'\(scalar.text)' is listed twice in 'exit_on'")
                continue
            }
            events.append(event)
        }
        return events
    }

    private func goal(_ map: ConfigMap) -> GoalRule? {
        var event = StrategyEvent.converted
        if let scalar = map.scalar("event") {
            if let parsed = StrategyEvent(scalar.text), parsed != .optedOut {
                event = parsed
            } else {
                issues.error(scalar.mark, "invalid goal event '\(scalar.text)'; \(Self.eventHint) (not opted_out)")
            }
        }
        let within = map.duration("within", in: .seconds(1)...StrategyLoader.maximumGoalWindow, required: true)
        let attribution = map.choice("attribution", ["last_touch", "first_touch"]).flatMap(GoalRule.Attribution.init)
        guard let within else { return nil }
        return GoalRule(event: event, within: within, attribution: attribution ?? .lastTouch)
    }

    /// `5%` or `0.05`, 0...0.5.
    private func holdout(_ scalar: ConfigScalar) -> Double? {
        let text = scalar.text.hasSuffix("%") ? String(scalar.text.dropLast()) : scalar.text
        guard var value = Double(text), value.isFinite else {
            issues.error(
                scalar.mark, "expected 'holdout' as a percentage (5%) or a share (0.05), found '\(scalar.text)'")
            return nil
        }
        if scalar.text.hasSuffix("%") { value /= 100 }
        guard (0...0.5).contains(value) else {
            issues.error(scalar.mark, "'holdout' must be between 0% and 50%, found \(scalar.text)")
            return nil
        }
        return value
    }

    static let eventHint =
        "expected delivered, opened, clicked, replied, converted, opted_out or a custom name [a-z][a-z0-9_]{0,63}"

    // MARK: - Steps

    private mutating func steps(_ node: ConfigNode) -> [StrategyStep] {
        guard case .sequence(let items, let listMark) = node else {
            issues.error(node.mark, "expected a list of steps for 'steps', found \(node.kindName)")
            return []
        }
        marks.stepsList = listMark
        if items.isEmpty { issues.error(listMark, "'steps' must hold at least one step") }
        if items.count > StrategyLoader.maximumSteps {
            issues.error(
                items[StrategyLoader.maximumSteps].mark,
                "a strategy has at most \(StrategyLoader.maximumSteps) steps; this one has \(items.count)")
            return []
        }
        var steps: [StrategyStep] = []
        var seen: [String: ConfigMark] = [:]
        for item in items {
            var located: [String: ConfigMark] = [:]
            guard let step = step(item, marks: &located) else { continue }
            if let first = seen[step.id] {
                issues.error(step.mark, "duplicate step id '\(step.id)' (first at line \(first.line))")
                continue
            }
            seen[step.id] = step.mark
            steps.append(step)
            marks.steps.append(located)
        }
        return steps
    }

    private func step(_ node: ConfigNode, marks located: inout [String: ConfigMark]) -> StrategyStep? {
        guard let map = ConfigMap(node, context: "steps[]", keys: StrategyLoader.stepKeys, issues: issues) else {
            return nil
        }
        guard let idScalar = map.scalar("id", required: true) else { return nil }
        let id = idScalar.text
        located["id"] = idScalar.mark
        if !StrategyLoader.isValidID(id) {
            issues.error(idScalar.mark, "step id '\(id)' must match [a-z0-9][a-z0-9_-]{0,62}")
        } else if let meaning = Self.reservedIDs[id] {
            issues.error(idScalar.mark, "step id '\(id)' is reserved (\(meaning)); choose another name")
        }
        let kinds = StrategyLoader.stepKinds.filter { map.contains($0) || isPresentNull(map, $0) }
        guard kinds.count == 1, let kindKey = kinds.first else {
            let valid = StrategyLoader.stepKinds.joined(separator: ", ")
            if kinds.isEmpty {
                issues.error(idScalar.mark, "step '\(id)' has no kind; give exactly one of: \(valid)")
            } else {
                issues.error(
                    map.mark(of: kinds[1]),
                    "step '\(id)' has more than one kind (\(kinds.joined(separator: ", "))); give exactly one of: \(valid)"
                )
            }
            return nil
        }
        located["kind"] = map.mark(of: kindKey)
        var next: String?
        if let scalar = map.scalar("next") {
            if ["wait_for", "branch", "stop"].contains(kindKey) {
                issues.error(scalar.mark, "'next' is not allowed on a \(kindKey) step (\(Self.exits[kindKey]!))")
            } else {
                next = scalar.text
                located["next"] = scalar.mark
            }
        }
        if kindKey != "send" {
            for key in ["category", "on_cap", "on_suppressed"] where map.contains(key) {
                map.error(key, "'\(key)' is only allowed on a send step")
            }
        }
        // Only `stop` may be written without a value.
        let node = map.node(kindKey)
        if node == nil, kindKey != "stop" {
            issues.error(map.mark(of: kindKey), "'\(kindKey)' of step '\(id)' needs a value")
            return nil
        }
        let kind: StrategyStep.Kind?
        switch (kindKey, node) {
        case ("send", _): kind = send(map, located: &located).map(StrategyStep.Kind.send)
        case ("wait", let node?): kind = wait(node).map(StrategyStep.Kind.wait)
        case ("wait_for", let node?): kind = waitFor(node, located: &located).map(StrategyStep.Kind.waitFor)
        case ("branch", let node?): kind = branch(node, located: &located).map(StrategyStep.Kind.branch)
        case ("tag", let node?): kind = tag(node).map(StrategyStep.Kind.tag)
        case ("handoff", let node?): kind = handoff(node, located: &located)
        default: kind = stop(map)
        }
        // A step with errors is kept when its kind was read, so the checks of single steps still run on it.
        guard let kind else { return nil }
        return StrategyStep(id: id, kind: kind, next: next, mark: idScalar.mark)
    }

    /// Words that references read as keywords, so a step of that name could never be named by them.
    private static let reservedIDs = [
        "any": "'wait_for' step: any means any send", "continue": "on_suppressed: continue goes to the next step",
        "stop": "on_suppressed: stop ends the run",
    ]

    /// Where a run goes after each step kind that cannot take `next`.
    private static let exits = [
        "wait_for": "it goes on at on_event or on_timeout", "branch": "it goes on at a then or the default",
        "stop": "it ends the run",
    ]

    /// A kind key written without a value (`stop:`, or `wait:` by mistake) still names the kind.
    private func isPresentNull(_ map: ConfigMap, _ key: String) -> Bool {
        map.mark(of: key) != map.mark
    }

    private func stop(_ map: ConfigMap) -> StrategyStep.Kind? {
        guard let node = map.node("stop") else { return .stop }
        guard ConfigMap(node, context: "stop", keys: [], issues: issues) != nil else { return nil }
        return .stop
    }

    private func send(_ step: ConfigMap, located: inout [String: ConfigMark]) -> SendStep? {
        guard let map = step.map("send", keys: StrategyLoader.sendKeys) else { return nil }
        var channels: SendStep.Channels?
        if let node = map.node("channel") {
            located["channel"] = node.mark
            switch node {
            case .scalar(let scalar):
                if scalar.text == "auto" {
                    channels = .auto
                } else {
                    channels = .instances([scalar.text])
                    located["channel.0"] = scalar.mark
                }
            case .sequence:
                if let list = map.scalarList("channel") {
                    if list.isEmpty { issues.error(node.mark, "'channel' must name at least one instance") }
                    var names: [String] = []
                    var seen: Set<String> = []
                    for (position, scalar) in list.enumerated() {
                        if scalar.text == "auto" {
                            issues.error(scalar.mark, "'auto' cannot be in a list; write channel: auto alone")
                        } else if !seen.insert(scalar.text).inserted {
                            issues.error(scalar.mark, "instance '\(scalar.text)' is listed twice in 'channel'")
                        }
                        names.append(scalar.text)
                        located["channel.\(position)"] = scalar.mark
                    }
                    channels = .instances(names)
                }
            case .mapping:
                issues.error(
                    node.mark, "expected 'channel' as an instance, a list of instances or auto, found a mapping")
            }
        } else {
            issues.error(
                map.mark, "missing required key 'channel' in 'send' (an instance, a list of instances or auto)")
        }
        var send = SendStep(channels: channels ?? .auto)
        send.template = map.string("template")
        send.content = text("content", in: map, limit: 65_536)
        send.title = text("title", in: map, limit: 1024)
        send.url = text("url", in: map, limit: 4096)
        if let url = map.scalar("url"), !url.text.hasPrefix("https://"), !url.text.hasPrefix("http://"),
            !url.text.hasPrefix("{{")
        {
            issues.error(url.mark, "'url' must start with https:// or http://, found '\(url.text)'")
        }
        if let params = map.scalarMap("params") {
            for (key, value) in params {
                if send.params[key] != nil {
                    issues.error(value.mark, "duplicate key '\(key)' in 'params'")
                    continue
                }
                if (try? CustomerTemplate.parse(value.text)) == nil { check(value, "params.\(key)") }
                send.params[key] = value.text
            }
        }
        send.trackLinks = map.bool("track_links") ?? false
        if send.template == nil, send.content == nil {
            issues.error(map.mark, "a send step needs 'template' or 'content'")
        }
        send.category = category(inner: map, step: step)
        send.onCap = onCap(inner: map, step: step)
        if let scalar = step.scalar("on_suppressed") {
            located["on_suppressed"] = scalar.mark
            switch scalar.text {
            case "continue": send.onSuppressed = .continue
            case "stop": send.onSuppressed = .stop
            default: send.onSuppressed = .step(scalar.text)
            }
        }
        return channels != nil ? send : nil
    }

    /// A text value whose `{{customer.*}}` placeholders must parse.
    private func text(_ key: String, in map: ConfigMap, limit: Int) -> String? {
        guard let scalar = map.scalar(key) else { return nil }
        if scalar.text.utf8.count > limit {
            issues.error(scalar.mark, "'\(key)' is \(scalar.text.utf8.count) bytes, more than \(limit)")
        }
        check(scalar, key)
        return scalar.text
    }

    private func check(_ scalar: ConfigScalar, _ key: String) {
        do {
            _ = try CustomerTemplate.parse(scalar.text)
        } catch {
            issues.error(scalar.mark, "in '\(key)': \(error.message)")
        }
    }

    /// `category` in the send mapping or beside it (not both).
    private func category(inner: ConfigMap, step: ConfigMap) -> MessageCategory? {
        let choices = ["critical", "transactional", "marketing"]
        if inner.contains("category"), step.contains("category") {
            step.error("category", "'category' is given twice, in the step and in 'send'; keep one")
            return nil
        }
        let name = inner.contains("category") ? inner.choice("category", choices) : step.choice("category", choices)
        return name.flatMap(MessageCategory.init(name:))
    }

    private func onCap(inner: ConfigMap, step: ConfigMap) -> SendStep.OnCap {
        if inner.contains("on_cap"), step.contains("on_cap") {
            step.error("on_cap", "'on_cap' is given twice, in the step and in 'send'; keep one")
            return .suppress
        }
        let name =
            inner.contains("on_cap")
            ? inner.choice("on_cap", ["suppress", "defer"]) : step.choice("on_cap", ["suppress", "defer"])
        return name.flatMap(SendStep.OnCap.init(rawValue:)) ?? .suppress
    }

    private func wait(_ node: ConfigNode) -> WaitStep? {
        if case .scalar(let scalar) = node {
            let single = ConfigMap(
                .mapping([ConfigEntry(key: ConfigScalar(text: "wait", mark: scalar.mark), value: node)], scalar.mark),
                context: "wait", keys: ["wait"], issues: issues)
            return single?.duration("wait", in: .seconds(1)...StrategyLoader.maximumWait, required: true)
                .map(WaitStep.duration)
        }
        guard let map = ConfigMap(node, context: "wait", keys: ["until"], issues: issues),
            let until = map.scalar("until", required: true)
        else { return nil }
        let pieces = until.text.split(separator: ":", omittingEmptySubsequences: false)
        guard pieces.count == 2, pieces[0].count == 2, pieces[1].count == 2, let hour = Int(pieces[0]),
            let minute = Int(pieces[1]), (0...23).contains(hour), (0...59).contains(minute)
        else {
            issues.error(until.mark, "expected 'until' as a local time HH:MM (e.g. \"10:00\"), found '\(until.text)'")
            return nil
        }
        return .untilLocalTime(minuteOfDay: hour * 60 + minute)
    }

    private func waitFor(_ node: ConfigNode, located: inout [String: ConfigMark]) -> WaitForStep? {
        let keys = ["event", "step", "within", "on_event", "on_timeout"]
        guard let map = ConfigMap(node, context: "wait_for", keys: keys, issues: issues) else { return nil }
        var event: StrategyEvent?
        if let scalar = map.scalar("event", required: true) {
            event = StrategyEvent(scalar.text)
            if event == nil || event == .optedOut {
                issues.error(
                    scalar.mark, "invalid event '\(scalar.text)' for 'wait_for'; \(Self.eventHint) (not opted_out)")
                event = nil
            }
        }
        var reference = WaitForStep.Reference.any
        if let scalar = map.scalar("step") {
            located["step"] = scalar.mark
            if scalar.text != "any" { reference = .step(scalar.text) }
        }
        let within = map.duration("within", in: .seconds(1)...StrategyLoader.maximumWait, required: true)
        let onEvent = map.scalar("on_event", required: true)
        let onTimeout = map.scalar("on_timeout", required: true)
        located["on_event"] = onEvent?.mark
        located["on_timeout"] = onTimeout?.mark
        guard let event, let within, let onEvent, let onTimeout else { return nil }
        return WaitForStep(
            event: event, reference: reference, within: within, onEvent: onEvent.text, onTimeout: onTimeout.text)
    }

    private func branch(_ node: ConfigNode, located: inout [String: ConfigMark]) -> BranchStep? {
        guard case .sequence(let items, let mark) = node else {
            issues.error(node.mark, "expected 'branch' as a list of {if: …, then: STEP} and a last {default: STEP}")
            return nil
        }
        var cases: [(condition: BranchCondition, then: String)] = []
        var defaultStep: String?
        for item in items {
            guard let map = ConfigMap(item, context: "branch[]", keys: ["if", "then", "default"], issues: issues) else {
                continue
            }
            if defaultStep != nil {
                issues.error(map.mark, "nothing may follow the 'default' of a branch (first match wins)")
                continue
            }
            if let target = map.scalar("default") {
                if map.contains("if") || map.contains("then") {
                    issues.error(map.mark, "a branch item is either {if: …, then: STEP} or {default: STEP}")
                }
                defaultStep = target.text
                located["default"] = target.mark
                continue
            }
            let condition = map.node("if").flatMap { self.condition($0, located: &located, at: cases.count) }
            if !map.contains("if") { issues.error(map.mark, "missing required key 'if' in 'branch[]'") }
            guard let then = map.scalar("then", required: true), let condition else { continue }
            located["then.\(cases.count)"] = then.mark
            cases.append((condition, then.text))
        }
        guard let defaultStep else {
            issues.error(mark, "a branch needs a last item {default: STEP}")
            return nil
        }
        return BranchStep(cases: cases, defaultStep: defaultStep)
    }

    private func condition(_ node: ConfigNode, located: inout [String: ConfigMark], at index: Int) -> BranchCondition? {
        guard let map = ConfigMap(node, context: "if", keys: ["tag", "attribute", "step", "outcome"], issues: issues)
        else { return nil }
        located["if.\(index)"] = map.mark
        let forms = [map.contains("tag"), map.contains("attribute"), map.contains("step") || map.contains("outcome")]
        guard forms.count(where: { $0 }) == 1 else {
            issues.error(
                map.mark, "a condition is one of {tag: T}, {attribute: {NAME: VALUE}} or {step: S, outcome: O}")
            return nil
        }
        if let tag = map.scalar("tag") {
            guard checkTag(tag) else { return nil }
            return .tag(tag.text)
        }
        if let pairs = map.scalarMap("attribute") {
            guard pairs.count == 1, let pair = pairs.first else {
                map.error("attribute", "'attribute' holds exactly one NAME: VALUE")
                return nil
            }
            guard CustomerTemplate.isAttributeName(pair.key) else {
                issues.error(
                    pair.value.mark, "invalid attribute name '\(pair.key)'; names match [A-Za-z_][A-Za-z0-9_]{0,63}")
                return nil
            }
            return .attribute(name: pair.key, equals: pair.value.text)
        }
        let step = map.scalar("step", required: true)
        let outcome = map.choice("outcome", StrategyLoader.outcomes, required: true)
        guard let step, let outcome else { return nil }
        located["if.\(index).step"] = step.mark
        return .stepOutcome(step: step.text, outcome: outcome)
    }

    private func tag(_ node: ConfigNode) -> TagStep? {
        guard let map = ConfigMap(node, context: "tag", keys: ["add", "remove"], issues: issues) else { return nil }
        let add = map.scalarList("add") ?? []
        let remove = map.scalarList("remove") ?? []
        if add.isEmpty, remove.isEmpty { issues.error(map.mark, "a tag step needs tags to 'add' or 'remove'") }
        guard (add + remove).allSatisfy(checkTag) else { return nil }
        return TagStep(add: add.map(\.text), remove: remove.map(\.text))
    }

    /// Tags are 1...64 bytes without spaces or control characters; `prefers:*` belongs to channel affinity.
    private func checkTag(_ scalar: ConfigScalar) -> Bool {
        let bytes = Array(scalar.text.utf8)
        if scalar.text.hasPrefix("prefers:") {
            issues.error(
                scalar.mark,
                "tag '\(scalar.text)': prefers:* tags are reserved for channel affinity (strategies.affinity)")
            return false
        }
        if bytes.isEmpty || bytes.count > 64 || bytes.contains(where: { $0 <= 0x20 || $0 == 0x7F }) {
            issues.error(scalar.mark, "tag '\(scalar.text)' must be 1 to 64 bytes without spaces or control characters")
            return false
        }
        return true
    }

    private func handoff(_ node: ConfigNode, located: inout [String: ConfigMark]) -> StrategyStep.Kind? {
        let target: ConfigScalar?
        if case .scalar(let scalar) = node {
            target = scalar
        } else {
            target = ConfigMap(node, context: "handoff", keys: ["strategy"], issues: issues)?
                .scalar("strategy", required: true)
        }
        guard let target else { return nil }
        located["strategy"] = target.mark
        return .handoff(strategy: target.text)
    }
}
