extension StrategyReport {
    /// One summed `step_counters` row, in the report's line order (step, channel type, group, counter).
    package struct CounterRow {
        package var step: String
        /// `nil` for counters that are not per channel ("" in the table).
        package var channelType: String?
        package var group: Group
        package var counter: String
        package var n: Int
        package var value: Double

        package init(step: String, channelType: String, group: Group, counter: String, n: Int, value: Double) {
            self.step = step
            self.channelType = channelType.isEmpty ? nil : channelType
            self.group = group
            self.counter = counter
            self.n = n
            self.value = value
        }
    }

    /// The report from what either store reads: summed counters, active runs per group, the runs per group when
    /// there are no run-level counters (`counted`, a store written before they existed), and conversions per group.
    package static func assemble(
        name: String, version: Int?, latest: Int, counters: [CounterRow], active: [Group: Int],
        counted: () throws(StoreError) -> [Group: Int], converted: [Group: (runs: Int, value: Double)]
    ) throws(StoreError) -> StrategyReport {
        var lines: [Line] = []
        var enrolled: [Group: Int] = [:]
        var runLevel = false
        for row in counters {
            if let last = lines.last, last.step == row.step, last.channelType == row.channelType,
                last.group == row.group
            {
                lines[lines.count - 1].counters.add(row.counter, n: row.n, value: row.value)
            } else {
                var line = Line(step: row.step, channelType: row.channelType, group: row.group, counters: .init())
                line.counters.add(row.counter, n: row.n, value: row.value)
                lines.append(line)
            }
            if row.step == runStep {
                runLevel = true
                if row.counter == Counter.entered.rawValue { enrolled[row.group, default: 0] += row.n }
            }
        }
        // Steps count their history outcomes, not `entered`: a step's entries are the visits its outcomes close.
        for index in lines.indices where lines[index].counters.entered == 0 {
            let step = lines[index].step
            guard step != runStep, step != entryStep else { continue }
            lines[index].counters.entered = lines[index].counters.visits
        }
        if !runLevel { enrolled = try counted() }
        func totals(_ group: Group) -> Totals {
            let runs = enrolled[group] ?? 0
            let open = active[group] ?? 0
            return Totals(enrolled: runs, active: open, finished: max(runs - open, 0))
        }
        let treated = totals(.treated)
        let holdout = totals(.holdout)
        return StrategyReport(
            name: name, version: version, latest: latest, lines: lines, treated: treated, holdout: holdout,
            uplift: Uplift(
                treatedRuns: treated.enrolled, holdoutRuns: holdout.enrolled,
                treatedConverted: converted[.treated]?.runs ?? 0, holdoutConverted: converted[.holdout]?.runs ?? 0),
            treatedValue: converted[.treated]?.value ?? 0, holdoutValue: converted[.holdout]?.value ?? 0)
    }
}
