internal import CSQLite

extension SQLiteDatabase {
    /// Registers `gw_decay(elapsed_ms, half_life_ms)`, ``ChannelScore/factor(elapsed:halfLife:)`` as an SQL
    /// function, so a channel score update decays and counts in one upsert with exactly the arithmetic the Swift
    /// side uses.
    func registerDecayFunction() throws(StoreError) {
        let result = sqlite3_create_function_v2(
            handle, "gw_decay", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nil,
            { context, count, arguments in
                guard count == 2, let arguments else { return sqlite3_result_null(context) }
                let elapsed = sqlite3_value_int64(arguments[0])
                let halfLife = sqlite3_value_int64(arguments[1])
                sqlite3_result_double(context, ChannelScore.factor(elapsed: elapsed, halfLife: halfLife))
            }, nil, nil, nil)
        guard result == SQLITE_OK else { throw StoreError.statementFailed("cannot register gw_decay: \(lastError)") }
    }
}
