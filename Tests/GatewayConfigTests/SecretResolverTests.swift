import ChannelKit
import Foundation
import GatewayConfig
import Testing

@Suite struct SecretResolverTests {
    private let envSecret = "env-SECRET-value-1"
    private let fileSecret = "file-SECRET-value-2"
    private let credentialSecret = "credential-SECRET-value-3"

    @Test func envFileAndCredentialReferencesResolve() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        try fixture.write("secrets/file-key", fileSecret + "\n")
        try fixture.write("creds/vendor_key", credentialSecret + "\n\n")
        try fixture.write("channels.d/by-env.yaml", "type: test\nsettings:\n  url: u\n  api_key: env:VENDOR_KEY\n")
        // A relative file: path is taken from the folder of the YAML file that names it.
        try fixture.write(
            "channels.d/by-file.yaml",
            "type: test\nsettings:\n  url: u\n  api_key: file:../secrets/file-key\n"
        )
        try fixture.write(
            "channels.d/by-abs-file.yaml",
            "type: test\nsettings:\n  url: u\n  api_key: \"file:\(fixture.path("secrets/file-key"))\"\n"
        )
        try fixture.write(
            "channels.d/by-cred.yaml",
            "type: test\nsettings:\n  url: u\n  api_key: credential:vendor_key\n"
        )
        // Only `settings:` is resolved: a reference elsewhere stays text.
        try fixture.write("channels.d/not-settings.yaml", "type: test\nsettings: {url: \"env:VENDOR_KEY\"}\n")

        let result = fixture.load(environment: ["VENDOR_KEY": envSecret], credentialsDirectory: fixture.path("creds"))
        #expect(result.issues.isEmpty)
        let channels = try #require(result.configuration?.channels)
        func key(_ name: String) -> String? {
            (channels.first { $0.name == name }?.adapter as? RecordingAdapter)?.apiKey?.reveal()
        }
        #expect(key("by-env") == envSecret)
        #expect(key("by-file") == fileSecret)
        #expect(key("by-abs-file") == fileSecret)
        #expect(key("by-cred") == credentialSecret + "\n")
        // The url held an env: reference and was resolved, but read as text it keeps the reference.
        #expect((channels.first { $0.name == "not-settings" }?.adapter as? RecordingAdapter)?.url == "env:VENDOR_KEY")
    }

    @Test func missingReferencesAreErrorsThatNeverShowValues() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        try fixture.write("secrets/present", fileSecret)
        try fixture.write(
            "channels.d/a.yaml",
            """
            type: test
            settings:
              url: u
              api_key: env:MISSING_KEY
              label: file:secrets/absent

            """
        )
        try fixture.write("channels.d/b.yaml", "type: test\nsettings:\n  url: u\n  api_key: credential:vendor_key\n")
        try fixture.write("channels.d/c.yaml", "type: test\nsettings:\n  url: u\n  api_key: credential:../present\n")
        let result = fixture.load(
            environment: ["OTHER": envSecret, "MISSING_KE": envSecret], credentialsDirectory: nil)
        #expect(result.configuration == nil)
        #expect(
            fixture.locations(result) == [
                "channels.d/a.yaml:4:12", "channels.d/a.yaml:5:10", "channels.d/b.yaml:4:12", "channels.d/c.yaml:4:12",
            ]
        )
        #expect(
            result.issues[0].message == "the environment variable 'MISSING_KEY' named by 'env:MISSING_KEY' is not set"
        )
        #expect(result.issues[1].message.contains("'file:secrets/absent'"))
        #expect(result.issues[2].message.contains("'credential:vendor_key' needs $CREDENTIALS_DIRECTORY"))
        #expect(result.issues[3].message.contains("invalid credential name"))
        for issue in result.issues {
            #expect(!issue.description.contains(envSecret) && !issue.description.contains(fileSecret))
        }
    }

    @Test func resolverKeepsTheReferenceAsText() {
        let mark = ConfigMark(file: "x.yaml", line: 2, column: 5)
        let issues = ConfigIssueCollector()
        let node = ConfigNode.mapping(
            [
                ConfigEntry(
                    key: ConfigScalar(text: "env:KEY", mark: mark),
                    value: .sequence([.scalar(ConfigScalar(text: "env:KEY", mark: mark))], mark)
                )
            ],
            mark
        )
        let resolved = SecretResolver(environment: ["KEY": envSecret], credentialsDirectory: nil)
            .resolve(node, issues: issues)
        #expect(issues.issues.isEmpty)
        guard case .mapping(let entries, _) = resolved, case .sequence(let items, _) = entries[0].value,
            case .scalar(let scalar) = items[0]
        else {
            Issue.record("shape changed")
            return
        }
        #expect(entries[0].key.secret == nil)
        #expect(scalar.text == "env:KEY" && scalar.secret?.reveal() == envSecret)
    }

    @Test func secretsNeverPrint() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        try fixture.write("channels.d/a.yaml", "type: test\nsettings:\n  url: u\n  api_key: env:VENDOR_KEY\n")
        let result = fixture.load(environment: ["VENDOR_KEY": envSecret])
        let configuration = try #require(result.configuration)
        var dumped = ""
        dump(configuration, to: &dumped)
        let texts = [
            dumped, String(describing: configuration), String(reflecting: configuration.channels[0].adapter),
            "\(result)",
        ]
        for text in texts {
            #expect(!text.contains(envSecret))
        }
        let adapter = try #require(configuration.channels[0].adapter as? RecordingAdapter)
        #expect(adapter.apiKey?.reveal() == envSecret)
        #expect("\(adapter.apiKey!)" == "<redacted>")
    }

    @Test func inlineSecretIsAWarningOnly() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        try fixture.write("channels.d/a.yaml", "type: test\nsettings:\n  url: u\n  api_key: hunter2\n")
        let result = fixture.load()
        #expect(result.configuration != nil)
        #expect(result.issues.map(\.severity) == [.warning])
        #expect(fixture.locations(result) == ["channels.d/a.yaml:4:12"])
    }
}
