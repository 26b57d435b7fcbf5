public import ChannelKit
import Foundation
import GatewayConfig
public import Testing

/// The adapter contract every kind and every vendor profile is held to, through the real loader: the instance
/// loads without issues, unknown settings are refused, the same input gives byte-identical requests, and secrets
/// never surface in descriptions, problems, reasons or issues.
public struct ChannelConformance: Sendable {
    /// Every kind compiled in.
    public let kinds: [ChannelKind]

    public init(kinds: [ChannelKind]) { self.kinds = kinds }

    /// Loads a subject's instance file (with the unknown key, if asked).
    public func load(_ subject: ConformanceSubject, withUnknownKey: Bool = false) throws -> LoadedInstance {
        try LoadedInstance(
            yaml: withUnknownKey ? subject.yamlWithUnknownKey : subject.yaml, kinds: kinds, keyFiles: subject.keyFiles)
    }

    public func loadsWithoutIssues(_ subject: ConformanceSubject, sourceLocation: SourceLocation = #_sourceLocation)
        throws
    {
        let loaded = try load(subject)
        defer { loaded.remove() }
        #expect(
            loaded.result.issues.isEmpty, "\(loaded.result.issues.map(\.description))", sourceLocation: sourceLocation)
        #expect(loaded.kindName == subject.kind, sourceLocation: sourceLocation)
    }

    public func unknownSettingsKeyIsRejected(
        _ subject: ConformanceSubject, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let loaded = try load(subject, withUnknownKey: true)
        defer { loaded.remove() }
        #expect(loaded.result.configuration == nil, sourceLocation: sourceLocation)
        #expect(
            loaded.result.issues.contains { $0.message.contains("zz_not_a_setting") },
            "\(loaded.result.issues.map(\.description))", sourceLocation: sourceLocation)
    }

    public func sameInputGivesByteIdenticalRequests(
        _ subject: ConformanceSubject, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let loaded = try load(subject)
        defer { loaded.remove() }
        let adapter = try #require(loaded.adapter, "\(loaded.result.issues)", sourceLocation: sourceLocation)
        let message = subject.message
        #expect(
            adapter.check(message) == nil, "\(String(describing: adapter.check(message)))",
            sourceLocation: sourceLocation)
        let context = RequestContext(
            nowMilliseconds: 1_795_449_600_000, nonce: 0x5EED, attempt: 1, accessToken: Secret("ACCESS-TOKEN-1"))
        let first = try adapter.request(for: message, context: context)
        let second = try adapter.request(for: message, context: context)
        #expect(first == second, sourceLocation: sourceLocation)
        // A token fetch is a request like any other; a token the adapter signs itself (APNs' ES256 JWT) carries a
        // randomized ECDSA signature, so only its lifetime must repeat. (An adapter without tokens has none.)
        guard let tokens = adapter as? any AccessTokenProviding else { return }
        switch (try tokens.tokenStep(context: context), try tokens.tokenStep(context: context)) {
        case (.issued(let token), .issued(let again)):
            #expect(token.expiresAtMilliseconds == again.expiresAtMilliseconds, sourceLocation: sourceLocation)
        case (let step, let again):
            #expect(step == again, sourceLocation: sourceLocation)
        }
    }

    /// `credentialFree` names the subjects that have no credential to leak (their check is vacuous, so it must be
    /// deliberate).
    public func secretsNeverSurface(
        _ subject: ConformanceSubject, credentialFree: Set<String>, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let loaded = try load(subject)
        defer { loaded.remove() }
        let adapter = try #require(loaded.adapter, "\(loaded.result.issues)", sourceLocation: sourceLocation)
        #expect(
            !loaded.secrets.isEmpty || credentialFree.contains(subject.testDescription), sourceLocation: sourceLocation)
        var texts = visibleTexts(of: adapter)
        var broken = subject.message
        broken.recipient = "!"
        broken.template = nil
        broken.content = nil
        if let problem = adapter.check(broken) { texts.append(problem.message) }
        let context = RequestContext(nowMilliseconds: 1_795_449_600_000, nonce: 7, attempt: 1, accessToken: nil)
        do {
            _ = try adapter.request(for: broken, context: context)
        } catch {
            texts.append(error.message)
        }
        let request = VendorRequest(method: "POST", url: "https://vendor.invalid/")
        let tokens = adapter as? any AccessTokenProviding
        for reply in [
            VendorResponse(status: 500, body: Array("{}".utf8)),
            VendorResponse(status: 200, body: Array("nonsense".utf8)),
            VendorResponse(status: 401, body: Array(#"{"code":"AUTH","errcode":40001,"message":"bad"}"#.utf8)),
        ] {
            texts.append(String(describing: adapter.outcome(of: reply, to: request, message: subject.message)))
            if let tokens { texts.append(String(describing: tokens.token(from: reply, context: context))) }
        }
        // A broken setting next to the secrets: the issues name the setting, never a secret's value.
        let misconfigured = try load(subject, withUnknownKey: true)
        defer { misconfigured.remove() }
        texts += misconfigured.result.issues.map(\.description)
        for secret in loaded.secrets + misconfigured.secrets {
            for text in texts {
                #expect(!text.contains(secret), "\(secret) leaked in: \(text)", sourceLocation: sourceLocation)
            }
        }
    }

    /// The subject's instance, built through its kind as `gatewayd` builds it (the loader, ``ChannelKind``,
    /// ``VendorChannel`` for a profile), has exactly the declared capabilities: none missing, none undeclared.
    /// `settings` says which settings the subject has, for the failure message.
    public func hasDeclaredCapabilities(
        _ subject: ConformanceSubject, _ declared: Set<AdapterCapability>, settings: String = "golden settings",
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let name = "\(subject.testDescription) (\(settings))"
        let loaded = try load(subject)
        defer { loaded.remove() }
        let adapter = try #require(
            loaded.adapter, "\(name) does not load: \(loaded.result.issues)", sourceLocation: sourceLocation)
        let capabilities = try #require(loaded.capabilities, sourceLocation: sourceLocation)
        if subject.vendor != nil {
            let type = String(describing: Swift.type(of: adapter))
            #expect(
                type.hasPrefix("VendorChannel<"), "\(name) is built as \(type)",
                sourceLocation: sourceLocation)
        }
        let present = capabilities.present
        let missing = declared.subtracting(present).sorted()
        let extra = present.subtracting(declared).sorted()
        #expect(
            missing.isEmpty, "\(name) lacks declared \(missing.map(\.rawValue))",
            sourceLocation: sourceLocation)
        #expect(
            extra.isEmpty, "\(name) has undeclared \(extra.map(\.rawValue))",
            sourceLocation: sourceLocation)
    }

    /// A settings-dependent capability follows its settings: the subject without the switch's keys lacks it, with
    /// them has it, and every other declared capability stays as declared.
    public func followsSettingsSwitch(
        _ subject: ConformanceSubject, _ declared: DeclaredCapabilities,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let settingsSwitch = try #require(declared.settingsSwitch, sourceLocation: sourceLocation)
        let keys = Set(settingsSwitch.settings.keys)
        let off = try #require(
            subject.changingSettings(removing: keys), "\(subject.testDescription) has no settings to change",
            sourceLocation: sourceLocation)
        let on = try #require(
            subject.changingSettings(setting: settingsSwitch.settings, keyFiles: settingsSwitch.keyFiles),
            sourceLocation: sourceLocation)
        var without = declared.capabilities
        without.remove(settingsSwitch.capability)
        let named = keys.sorted().joined(separator: ", ")
        try hasDeclaredCapabilities(off, without, settings: "without \(named)", sourceLocation: sourceLocation)
        try hasDeclaredCapabilities(
            on, without.union([settingsSwitch.capability]), settings: "with \(named)", sourceLocation: sourceLocation)
    }
}
