public import ChannelKit
public import Foundation

/// A test target's `Fixtures/` folder (excluded from the target): one sub-folder per vendor or kind, one folder
/// per golden case inside it. Each test target makes one with `FixtureFolder(besides: #filePath)`.
public struct FixtureFolder: Sendable {
    /// `<target>/Fixtures`.
    public let root: URL
    /// The package root, for plugin files (README.md, sample.yaml).
    public let packageRoot: URL
    /// The `Plugins/` folder ``plugin(_:)`` reads from, if the target tests one plugin.
    public let plugin: String?

    /// The `Fixtures` folder next to `filePath`, a file directly in a test target.
    public init(besides filePath: String, plugin: String? = nil) {
        let target = URL(filePath: filePath).deletingLastPathComponent()
        root = target.appending(path: "Fixtures")
        packageRoot = target.deletingLastPathComponent().deletingLastPathComponent()
        self.plugin = plugin
    }

    /// Another test target's `Fixtures` folder (the conformance suite reads every channel's golden cases).
    public func sibling(_ target: String, plugin: String? = nil) -> FixtureFolder {
        FixtureFolder(
            besides: packageRoot.appending(path: "Tests/\(target)/TestFixtures.swift").path(percentEncoded: false),
            plugin: plugin)
    }

    /// The case folder names under `Fixtures/<group>/`, sorted.
    public func cases(_ group: String) -> [String] {
        let folder = root.appending(path: group)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path(percentEncoded: false))) ?? []
        return names.filter { name in
            var isDirectory: ObjCBool = false
            let path = folder.appending(path: name).path(percentEncoded: false)
            return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
        }.sorted()
    }

    /// The case folders under `Fixtures/<group>/` holding `file`, sorted.
    public func cases(_ group: String, having file: String) -> [String] {
        cases(group).filter { exists(group, $0, file) }
    }

    public func url(_ group: String, _ name: String, _ file: String) -> URL {
        root.appending(path: group).appending(path: name).appending(path: file)
    }

    public func exists(_ group: String, _ name: String, _ file: String) -> Bool {
        FileManager.default.fileExists(atPath: url(group, name, file).path(percentEncoded: false))
    }

    public func text(_ group: String, _ name: String, _ file: String) throws -> String {
        try String(contentsOf: url(group, name, file), encoding: .utf8)
    }

    public func json(_ group: String, _ name: String, _ file: String) throws -> JSONValue {
        try JSONParser.parse(try text(group, name, file))
    }

    /// A file directly under `Fixtures/<group>/` (a vendor's test keys).
    public func file(_ group: String, _ file: String) throws -> String {
        try String(contentsOf: root.appending(path: group).appending(path: file), encoding: .utf8)
    }

    /// A file of `Plugins/<folder>/`.
    public func plugin(_ folder: String, _ file: String) throws -> String {
        try String(contentsOf: packageRoot.appending(path: "Plugins/\(folder)/\(file)"), encoding: .utf8)
    }

    /// A file of the target's own plugin folder (``plugin``).
    public func plugin(_ file: String) throws -> String {
        try plugin(plugin ?? "", file)
    }

    /// `base`, with a case's `context.json` `access_token` if it has one.
    public func context(_ base: RequestContext, _ group: String, _ name: String) throws -> RequestContext {
        var context = base
        if exists(group, name, "context.json"),
            let token = try json(group, name, "context.json")["access_token"]?.stringValue
        {
            context.accessToken = Secret(token)
        }
        return context
    }

    /// What `credential:NAME` resolves to in `group`'s cases: the key file `NAME` under `Fixtures/<group>/` if
    /// there is one, else ``TestSettings/secretValue(_:)``.
    public func credentials(_ group: String) -> TestSettings.Credentials {
        let folder = self
        return { name in (try? folder.file(group, name)).map(Secret.init) ?? Secret(TestSettings.secretValue(name)) }
    }

    /// Every outcome the `outcome.expected.json` files of `group` expect, in case order; a list (a batch) gives each
    /// item, and so does a `{recipients: […]}` object.
    public func expectedOutcomes(_ group: String) throws -> [JSONValue] {
        var all: [JSONValue] = []
        for name in cases(group, having: "outcome.expected.json") {
            var outcomes = [try json(group, name, "outcome.expected.json")]
            if case .array(let items) = outcomes[0] { outcomes = items }
            if case .array(let items)? = outcomes.first?["recipients"] { outcomes = items }
            all += outcomes
        }
        return all
    }

    /// Every `outcome/category` the cases of `group` expect (``expectedOutcomes(_:)``).
    public func outcomeClasses(_ group: String) throws -> Set<String> {
        Set(
            try expectedOutcomes(group).map { outcome in
                [outcome["outcome"]?.stringValue, outcome["category"]?.stringValue].compactMap { $0 }
                    .joined(separator: "/")
            })
    }

    /// The last expected outcome carrying each vendor code, by code (``expectedOutcomes(_:)``).
    public func outcomesByVendorCode(_ group: String) throws -> [String: JSONValue] {
        var seen: [String: JSONValue] = [:]
        for outcome in try expectedOutcomes(group) {
            if let code = outcome["vendor_code"]?.stringValue { seen[code] = outcome }
        }
        return seen
    }
}
