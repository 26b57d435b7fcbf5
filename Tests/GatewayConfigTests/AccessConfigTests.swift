import ChannelKit
import GatewayConfig
import Testing

/// `allowed_uids`, `allowed_groups`, `read_only_uids` and `read_only_groups`: ids and names, resolved at load.
@Suite struct AccessConfigTests {
    @Test func accessKeysAreUnsetByDefault() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        let configuration = try #require(fixture.load().configuration)
        #expect(configuration.allowedUIDs == nil && configuration.allowedGroups == nil)
        #expect(configuration.readOnlyUIDs == nil && configuration.readOnlyGroups == nil)
    }

    @Test func idsAndNamesAreResolved() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        try fixture.write(
            "gateway.yaml",
            """
            allowed_uids: [root, 1000]
            allowed_groups: [root, 2000]
            read_only_uids: [65534]
            read_only_groups: []
            """
        )
        let result = fixture.load()
        #expect(result.issues.isEmpty)
        let configuration = try #require(result.configuration)
        #expect(configuration.allowedUIDs == [0, 1000])
        #expect(configuration.allowedGroups == [0, 2000])
        #expect(configuration.readOnlyUIDs == [65534])
        #expect(configuration.readOnlyGroups == [])
    }

    @Test func unknownNamesAreErrorsAtTheirPosition() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        try fixture.write(
            "gateway.yaml",
            """
            allowed_uids: [root, no-such-user-cg]
            read_only_groups:
              - no-such-group-cg
            read_only_uids: 7
            """
        )
        let result = fixture.load()
        #expect(result.configuration == nil)
        #expect(
            fixture.lines(result) == [
                "gateway.yaml:1:22: error: unknown user 'no-such-user-cg' in 'allowed_uids'",
                "gateway.yaml:3:5: error: unknown group 'no-such-group-cg' in 'read_only_groups'",
                "gateway.yaml:4:17: error: expected a list for 'read_only_uids', found a scalar",
            ]
        )
    }
}
