extension StrategyReading {
    /// The runs with these ids and every part of their customers' facts (operator reads and tests).
    public func runs(_ ids: [Int64]) throws(StoreError) -> [RunSnapshot] {
        try runs(ids) { _, _ in .all }
    }
}
