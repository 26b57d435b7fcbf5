import ChannelKit
import Foundation
import GatewayConfig
import GatewayStore
import Logging
import PostgresTesting
import Testing

@testable import GatewayPostgres

/// A strategy's report on a real PostgreSQL, from rows written directly (the counters, runs and conversions the
/// run writer leaves), with the SQLite store's meaning (RunEventTests): a step's entries are the visits its
/// outcomes close, totals come from the `(run)` counters and the active runs, uplift from distinct converted runs.
@Suite struct PostgresStrategyReportTests {
    /// A store on a database of its own and a connection to write its rows.
    final class Fixture {
        let connection: PostgresConnection
        let store: PostgresMessageStore

        init() throws {
            let cluster = try PostgresCluster.shared
            let url = cluster.url(database: try cluster.createDatabase())
            store = try PostgresMessageStore(
                configuration: PostgresStoreConfiguration(url: Secret(url), nodeName: "test"),
                dedupWindow: .seconds(86_400), maxPendingAccepts: 10_000, clock: PostgresOperatorTests.Clock(),
                logger: Logger(label: "test"))
            connection = try PostgresConnection(try PostgresConnectionString(Secret(url)))
        }

        func execute(_ sql: String) throws { try connection.execute(sql) }

        /// Counter rows: (version, step, channel type, group, counter, n, value).
        func counters(_ name: String, _ rows: [(Int, String, String, String, String, Int, Double)]) throws {
            let values = rows.map {
                "('\(name)', \($0.0), '\($0.1)', '\($0.2)', '\($0.3)', '\($0.4)', \($0.5), \($0.6))"
            }
            try execute(
                "INSERT INTO step_counters (name, version, step, channel_type, grp, counter, n, value) VALUES "
                    + values.joined(separator: ", "))
        }

        /// Run rows: (id, version, customer number, state, holdout).
        func runs(_ name: String, _ rows: [(Int, Int, Int, String, Int)]) throws {
            let values = rows.map {
                "(\($0.0), '\(name)', \($0.1), 'ck\($0.2)', 'sealed', '\($0.3)', 'sms', 1, 1, \($0.4), 0, 0, \($0.2))"
            }
            try execute(
                """
                INSERT INTO runs (run_id, name, version, ck, customer_sealed, state, step, rev, visit, holdout,
                    started_at, updated_at, cn) VALUES
                """ + values.joined(separator: ", "))
        }

        /// Conversion rows: (version, run id, holdout, value).
        func conversions(_ name: String, _ rows: [(Int, Int, Int, Double?)]) throws {
            let values = rows.map {
                "('\(name)', \($0.0), \($0.1), \($0.2), 'purchase', \($0.3.map { String($0) } ?? "NULL"), 0)"
            }
            try execute(
                "INSERT INTO conversions (name, version, run_id, holdout, event, value, at) VALUES "
                    + values.joined(separator: ", "))
        }

        deinit { store.close() }
    }

    /// Strategy `promo` at versions 1 and 2 (latest 2), both groups, and a neighbour `other` the report ignores.
    static func promo() throws -> Fixture {
        let fixture = try Fixture()
        // A linguistic collation on the sorted columns (the test cluster's default may be C already), so the report's
        // byte order is what orders the lines, not the database's locale.
        try fixture.execute(
            """
            ALTER TABLE step_counters ALTER COLUMN step TYPE text COLLATE "und-x-icu",
                ALTER COLUMN channel_type TYPE text COLLATE "und-x-icu", ALTER COLUMN grp TYPE text COLLATE "und-x-icu"
            """)
        try fixture.execute("INSERT INTO strategies (name, latest, retired) VALUES ('promo', 2, 0), ('other', 1, 0)")
        try fixture.counters(
            "promo",
            [
                (1, StrategyReport.runStep, "", "treated", "entered", 3, 0),
                (1, StrategyReport.runStep, "", "treated", "finished", 2, 0),
                (1, StrategyReport.runStep, "", "holdout", "entered", 1, 0),
                (1, "sms", "sms", "treated", "sent", 2, 0),
                (1, "sms", "sms", "treated", "delivered", 2, 0),
                (1, "sms", "sms", "treated", "suppressed:opted_out", 1, 0),
                (1, "sms", "sms", "treated", "converted", 1, 10.5),
                (1, "sms", "sms", "holdout", "held_out", 1, 0),
                (1, StrategyReport.entryStep, "", "holdout", "converted", 1, 7),
                (2, StrategyReport.runStep, "", "treated", "entered", 2, 0),
                (2, StrategyReport.runStep, "", "holdout", "entered", 1, 0),
                (2, StrategyReport.runStep, "", "holdout", "finished", 1, 0),
                (2, "sms", "sms", "treated", "sent", 1, 0),
                (2, "sms", "sms", "treated", "converted", 1, 4.25),
                // Upper case sorts before lower case in byte order ("Welcome" < "sms"), as SQLite orders it.
                (2, "Welcome", "wecom", "treated", "sent", 1, 0),
                (2, "Welcome", "app_push", "treated", "sent", 1, 0),
            ])
        try fixture.counters("other", [(1, StrategyReport.runStep, "", "treated", "entered", 9, 0)])
        try fixture.runs(
            "promo",
            [
                (10, 1, 1, "waiting", 0), (11, 1, 2, "finished", 0), (12, 1, 3, "finished", 0),
                (13, 2, 4, "waiting", 0), (14, 2, 5, "ready", 0),
                (20, 1, 6, "waiting", 1), (21, 2, 7, "finished", 1),
            ])
        try fixture.runs("other", [(30, 1, 8, "waiting", 0)])
        try fixture.conversions(
            "promo", [(1, 11, 0, 10.5), (1, 11, 0, 2), (2, 13, 0, 4.25), (1, 20, 1, 7), (2, 21, 1, nil)])
        try fixture.conversions("other", [(1, 30, 0, 100)])
        return fixture
    }

    @Test func allVersionsSumTheFunnelTotalsAndUplift() throws {
        let fixture = try Self.promo()
        let report = try #require(try fixture.store.strategyReport("promo", version: nil))
        #expect(report.name == "promo" && report.version == nil && report.latest == 2)
        // Byte order of step, channel type, group: "(entry)" < "(run)" < "Welcome" < "sms", holdout < treated.
        #expect(
            report.lines.map { "\($0.step)/\($0.channelType ?? "-")/\($0.group.rawValue)" } == [
                "(entry)/-/holdout", "(run)/-/holdout", "(run)/-/treated", "Welcome/app_push/treated",
                "Welcome/wecom/treated", "sms/sms/holdout", "sms/sms/treated",
            ])

        var touch = StrategyReport.Counters()
        // Entries of a step are the visits its outcomes close: three sends and one opted-out suppression.
        touch.entered = 4
        touch.sent = 3
        touch.delivered = 2
        touch.suppressed = ["opted_out": 1]
        touch.converted = 2
        touch.conversionValue = 14.75
        #expect(report.lines.first { $0.step == "sms" && $0.group == .treated }?.counters == touch)
        #expect(report.step("sms", group: .holdout).heldOut == 1 && report.step("sms", group: .holdout).entered == 1)
        // The run and entry steps keep their own `entered` (none for the entry step).
        #expect(report.step(StrategyReport.runStep, group: .treated).entered == 5)
        #expect(report.step(StrategyReport.runStep, group: .treated).finished == 2)
        let entry = report.step(StrategyReport.entryStep, group: .holdout)
        #expect(entry.entered == 0 && entry.converted == 1 && entry.conversionValue == 7)
        #expect(report.step("Welcome", group: .treated).sent == 2)

        #expect(report.treated == StrategyReport.Totals(enrolled: 5, active: 3, finished: 2))
        #expect(report.holdout == StrategyReport.Totals(enrolled: 2, active: 1, finished: 1))
        // Run 11 converted twice and counts once; the holdout's NULL value adds nothing.
        #expect(
            report.uplift
                == StrategyReport.Uplift(treatedRuns: 5, holdoutRuns: 2, treatedConverted: 2, holdoutConverted: 2))
        #expect(report.treatedValue == 16.75 && report.holdoutValue == 7)
    }

    @Test func aVersionReportsOnlyItsOwnRows() throws {
        let fixture = try Self.promo()
        let first = try #require(try fixture.store.strategyReport("promo", version: 1))
        #expect(first.version == 1 && first.latest == 2)
        #expect(!first.lines.contains { $0.step == "Welcome" })
        #expect(first.step("sms", group: .treated).sent == 2 && first.step("sms", group: .treated).entered == 3)
        #expect(first.treated == StrategyReport.Totals(enrolled: 3, active: 1, finished: 2))
        #expect(first.holdout == StrategyReport.Totals(enrolled: 1, active: 1, finished: 0))
        #expect(
            first.uplift
                == StrategyReport.Uplift(treatedRuns: 3, holdoutRuns: 1, treatedConverted: 1, holdoutConverted: 1))
        #expect(first.treatedValue == 12.5 && first.holdoutValue == 7)

        let second = try #require(try fixture.store.strategyReport("promo", version: 2))
        #expect(second.treated == StrategyReport.Totals(enrolled: 2, active: 2, finished: 0))
        #expect(second.holdout == StrategyReport.Totals(enrolled: 1, active: 0, finished: 1))
        // A holdout conversion without a value converts the run and adds 0 (COALESCE, as SQLite's TOTAL).
        #expect(
            second.uplift
                == StrategyReport.Uplift(treatedRuns: 2, holdoutRuns: 1, treatedConverted: 1, holdoutConverted: 1))
        #expect(second.treatedValue == 4.25 && second.holdoutValue == 0)

        // A version with nothing recorded is an empty report, not nil: the strategy exists.
        let empty = try #require(try fixture.store.strategyReport("promo", version: 7))
        #expect(empty.lines.isEmpty && empty.totals == StrategyReport.Totals())
        #expect(empty.uplift.treatedRuns == 0 && empty.treatedValue == 0)
    }

    @Test func anUnknownNameHasNoReport() throws {
        let fixture = try Self.promo()
        #expect(try fixture.store.strategyReport("nope", version: nil) == nil)
        #expect(try fixture.store.strategyReport("nope", version: 1) == nil)
    }

    /// A store written before run-level counters existed: enrolment is counted from the runs themselves.
    @Test func withoutRunCountersTheRunsAreCounted() throws {
        let fixture = try Fixture()
        try fixture.execute("INSERT INTO strategies (name, latest, retired) VALUES ('old', 1, 0)")
        try fixture.counters("old", [(1, "sms", "sms", "treated", "sent", 3, 0)])
        try fixture.runs(
            "old",
            [(1, 1, 1, "waiting", 0), (2, 1, 2, "finished", 0), (3, 1, 3, "finished", 0), (4, 1, 4, "waiting", 1)]
        )
        let report = try #require(try fixture.store.strategyReport("old", version: nil))
        #expect(report.treated == StrategyReport.Totals(enrolled: 3, active: 1, finished: 2))
        #expect(report.holdout == StrategyReport.Totals(enrolled: 1, active: 1, finished: 0))
        #expect(report.uplift.treatedRuns == 3 && report.uplift.holdoutRuns == 1)
        #expect(report.lines.map(\.counters.entered) == [3])
    }
}
