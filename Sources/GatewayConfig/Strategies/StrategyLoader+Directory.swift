import ChannelKit

extension StrategyLoader {
    /// Loads every `NAME.yaml` of a strategies directory, sorted by name. A missing directory holds no
    /// strategies; other files are warned about (except `*.sample`). Every file is read even after errors.
    /// - Parameters:
    ///   - directory: the resolved `strategies_dir`.
    ///   - mark: where `strategies_dir` was set, for a directory that cannot be listed.
    ///   - channels: configured instance name → channel type.
    ///   - settings: `strategies:` of gateway.yaml.
    static func loadDirectory(
        _ directory: String, mark: ConfigMark, channels: [String: String], settings: StrategySettings,
        issues: ConfigIssueCollector
    ) -> [StrategyDefinition] {
        let names: [String]
        switch ConfigFileReader.list(directory) {
        case .success(let list):
            names = list.filter { $0.hasSuffix(".yaml") }.sorted()
            for name in list.sorted() where !name.hasSuffix(".yaml") && !name.hasSuffix(".sample") {
                let hint =
                    name.hasSuffix(".yml")
                    ? "rename it to \(name.dropLast(4)).yaml"
                    : "a name ending in .sample keeps a file here without this warning"
                issues.warning(
                    ConfigMark(file: ConfigPath.join(directory, name), line: 1, column: 1),
                    "not loaded: strategies are NAME.yaml files; \(hint)")
            }
        case .failure(.missing):
            return []
        case .failure(let failure):
            issues.error(mark, "the strategies directory \(directory) \(failure.phrase)")
            return []
        }
        let strategyNames = Set(names.map { String($0.dropLast(".yaml".count)) })
        let context = StrategyValidator.Context(
            channels: channels, settings: settings, checkChannels: true, strategyNames: strategyNames)
        var strategies: [StrategyDefinition] = []
        for name in names {
            let file = ConfigPath.join(directory, name)
            // The listing decodes names as UTF-8, replacing bad bytes: such a path names no file, so say why.
            if name.unicodeScalars.contains("\u{FFFD}") {
                issues.error(
                    ConfigMark(file: file, line: 1, column: 1),
                    "the file name is not valid UTF-8; strategy names match [a-z0-9][a-z0-9_-]{0,62}")
                continue
            }
            switch ConfigFileReader.read(file) {
            case .success(let bytes):
                let strategy = load(
                    bytes, name: String(name.dropLast(".yaml".count)), file: file, context: context, issues: issues)
                if let strategy { strategies.append(strategy) }
            case .failure(let failure):
                issues.error(ConfigMark(file: file, line: 1, column: 1), "\(file) \(failure.phrase)")
            }
        }
        return strategies
    }
}
