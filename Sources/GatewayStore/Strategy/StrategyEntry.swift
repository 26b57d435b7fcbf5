/// A registered strategy as a writer enrols into it: its latest version and that version's rules.
package struct StrategyEntry {
    package var latest: Int
    package var retired: Bool
    package var rules: StrategyRules

    package init(latest: Int, retired: Bool, rules: StrategyRules) {
        self.latest = latest
        self.retired = retired
        self.rules = rules
    }
}
