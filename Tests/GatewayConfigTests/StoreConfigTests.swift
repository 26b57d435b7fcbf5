import ChannelKit
import GatewayConfig
import Testing

/// `store:` of gateway.yaml: the SQLite default, the PostgreSQL keys, and libpq's own parse of `url` (no network).
@Suite struct StoreConfigTests {
    @Test func sqliteIsTheDefault() throws {
        let fixture = try ConfigFixture()
        let configuration = try #require(fixture.load().configuration)
        guard case .sqlite = configuration.store else {
            Issue.record("expected sqlite, found \(configuration.store.name)")
            return
        }
    }

    @Test func postgresqlWithEveryKey() throws {
        let fixture = try ConfigFixture()
        try fixture.write(
            "gateway.yaml",
            """
            store:
              backend: postgresql
              url: env:PG_URL
              pool: 4
              node_name: host-a.dc1
              lease: 45s
            """)
        let result = fixture.load(environment: ["PG_URL": "postgresql://gateway:pw@db-a:5433/gw?sslmode=require"])
        #expect(fixture.lines(result) == [])
        let configuration = try #require(result.configuration)
        guard case .postgresql(let postgres) = configuration.store else {
            Issue.record("expected postgresql, found \(configuration.store.name)")
            return
        }
        #expect(postgres.pool == 4)
        #expect(postgres.nodeName == "host-a.dc1")
        #expect(postgres.lease == .seconds(45))
        let url = try PostgresConnectionString(postgres.url)
        #expect(url.description == "host=db-a port=5433 dbname=gw user=gateway sslmode=require")
        #expect(url.hasPassword)
        #expect(url.option("password") == nil)
    }

    @Test func defaultsForPostgresql() throws {
        let fixture = try ConfigFixture()
        try fixture.write(
            "gateway.yaml", "store: {backend: postgresql, url: 'host=/run/postgresql dbname=gateway'}\n")
        let result = fixture.load()
        #expect(fixture.lines(result) == [])
        guard case .postgresql(let postgres) = try #require(result.configuration).store else {
            Issue.record("expected postgresql")
            return
        }
        #expect(postgres.pool == 8)
        #expect(postgres.lease == .seconds(30))
        #expect(PostgresStoreConfiguration.isValidNodeName(postgres.nodeName))
        #expect(try PostgresConnectionString(postgres.url).description == "host=/run/postgresql dbname=gateway")
    }

    @Test func everyMistakeIsReportedWhereItIs() throws {
        let fixture = try ConfigFixture()
        try fixture.write(
            "gateway.yaml",
            """
            store:
              backend: postgresql
              url: "postgresql://gateway@db-a/gw?sslmod=require"
              pool: 0
              node_name: "host a"
              lease: 1s
            """)
        let lines = fixture.lines(fixture.load())
        try #require(lines.count == 4)
        #expect(lines[0].hasPrefix("gateway.yaml:3:8: error: 'url' is not a PostgreSQL connection string: "))
        #expect(lines[0].contains("sslmod"))
        #expect(lines[1] == "gateway.yaml:4:9: error: 'pool' must be between 1 and 64, found 0")
        #expect(
            lines[2] == "gateway.yaml:5:14: error: 'node_name' must be 1 to 63 of A-Z a-z 0-9 . _ -, found 'host a'")
        #expect(lines[3] == "gateway.yaml:6:10: error: 'lease' must be between 5s and 10m, found 1s")
    }

    @Test func strategiesOnPostgresqlLoad() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        try fixture.write("gateway.yaml", "store: {backend: postgresql, url: 'postgresql:///gw', node_name: a}\n")
        try fixture.write("channels.d/push.yaml", "type: test\nsettings: {url: http://vendor.example}\n")
        try fixture.write("strategies.d/welcome.yaml", "steps:\n  - {id: a, send: {channel: push, template: t}}\n")
        let result = fixture.load()
        #expect(fixture.lines(result).isEmpty)
        #expect(result.configuration?.strategies.map(\.name) == ["welcome"])
    }

    @Test func postgresqlNeedsAURL() throws {
        let fixture = try ConfigFixture()
        try fixture.write("gateway.yaml", "store:\n  backend: postgresql\n")
        let result = fixture.load()
        #expect(result.configuration == nil)
        #expect(
            fixture.lines(result) == [
                "gateway.yaml:2:3: error: missing required key 'url' in 'store' (the PostgreSQL connection string)"
            ])
    }

    @Test func postgresKeysWithSqliteAreErrors() throws {
        let fixture = try ConfigFixture()
        try fixture.write("gateway.yaml", "store:\n  backend: sqlite\n  url: postgresql:///gw\n")
        #expect(
            fixture.lines(fixture.load()) == [
                "gateway.yaml:3:8: error: 'url' applies only with 'backend: postgresql'"
            ])
    }

    @Test func unknownBackendAndKey() throws {
        let fixture = try ConfigFixture()
        try fixture.write("gateway.yaml", "store:\n  backend: mysql\n  hosts: [a]\n")
        let lines = fixture.lines(fixture.load())
        try #require(lines.count == 2)
        #expect(lines.contains { $0.hasPrefix("gateway.yaml:2:12: error:") && $0.contains("mysql") })
        #expect(lines.contains { $0.hasPrefix("gateway.yaml:3:3: error: unknown key 'hosts' in 'store'") })
    }

    @Test func anInlinePasswordIsAWarningAndStrictMakesItAnError() throws {
        let fixture = try ConfigFixture()
        try fixture.write(
            "gateway.yaml", "store: {backend: postgresql, url: 'postgresql://gw:hunter2@db/gw'}\n")
        let lines = fixture.lines(fixture.load())
        #expect(lines.count == 1)
        #expect(lines.first?.contains("warning: 'url' holds a password written inline") == true)
        #expect(lines.first?.contains("hunter2") == false)

        try fixture.write(
            "gateway.yaml", "strict: true\nstore: {backend: postgresql, url: 'postgresql://gw:hunter2@db/gw'}\n")
        #expect(fixture.load().configuration == nil)
    }

    @Test func anUnresolvedReferenceIsOneError() throws {
        let fixture = try ConfigFixture()
        try fixture.write("gateway.yaml", "store: {backend: postgresql, url: env:NOT_SET}\n")
        let lines = fixture.lines(fixture.load(environment: [:]))
        #expect(lines.count == 1)
        #expect(lines.first?.contains("NOT_SET") == true)
    }
}
