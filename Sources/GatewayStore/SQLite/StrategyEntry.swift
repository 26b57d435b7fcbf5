/// A registered strategy as the writer enrols into it: its latest version and that version's rules.
struct StrategyEntry {
    var latest: Int
    var retired: Bool
    var rules: StrategyRules
}
