import ArgumentParser
import BuiltinChannels
import ChannelKit
import ControlProtocol
import Foundation
import GatewayCore
import Testing

@testable import gatewayctl

/// The lists the man pages give, read back and compared with the code they describe, so a new channel type,
/// subcommand, error code or message state cannot ship undocumented (gatewayd(8) once named two channel types
/// when there were six).
struct ManPageListTests {
    static let manDirectory =
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("man").path

    static func page(_ name: String) throws -> [Substring] {
        try String(contentsOfFile: manDirectory + "/" + name, encoding: .utf8).split(
            separator: "\n", omittingEmptySubsequences: false)
    }

    /// The lines of a `.SH`/`.SS` section, without its heading.
    static func section(_ heading: String, in lines: [Substring]) -> [Substring] {
        guard let start = lines.firstIndex(of: heading[...]) else { return [] }
        let level = heading.prefix(3)
        let rest = lines[(start + 1)...]
        let end = rest.firstIndex { $0.hasPrefix(".SH") || ($0.hasPrefix(level) && level == ".SS") } ?? lines.endIndex
        return Array(lines[(start + 1)..<end])
    }

    /// The word a `.B`, `.BR` or `.IR` line sets in type, without roff escapes and trailing punctuation.
    static func word(_ line: Substring) -> String? {
        let parts = line.split(separator: " ")
        guard parts.count >= 2, [".B", ".BR", ".IR"].contains(parts[0]) else { return nil }
        return parts[1].replacingOccurrences(of: "\\-", with: "-")
    }

    @Test func gatewaydListsEveryChannelTypeWithItsVendors() throws {
        let lines = Self.section(".SH CHANNEL TYPES", in: try Self.page("gatewayd.8"))
        var documented: [String: [String]] = [:]
        var current: String?
        for (offset, line) in lines.enumerated() {
            if line == ".TP", offset + 1 < lines.count {
                current = Self.word(lines[offset + 1])
                if let current { documented[current] = [] }
            } else if let current, offset > 0, lines[offset - 1] != ".TP", let vendor = Self.word(line) {
                documented[current, default: []].append(vendor)
            }
        }
        let kinds = BuiltinChannels.kinds
        #expect(Set(documented.keys) == Set(kinds.map(\.name)), "gatewayd(8) CHANNEL TYPES")
        for kind in kinds {
            #expect(Set(documented[kind.name] ?? []) == Set(kind.vendors), "gatewayd(8) vendors of \(kind.name)")
        }
    }

    @Test func theConfigurationPageListsEveryChannelType() throws {
        let lines = Self.section(".SH CHANNELS.D/NAME.YAML", in: try Self.page("channel-gateway.yaml.5"))
        let start = try #require(lines.firstIndex { $0.hasPrefix(".BR type ") })
        let types = lines[(start + 1)...].prefix { $0 != ".TP" }.compactMap(Self.word)
        #expect(types == BuiltinChannels.kinds.map(\.name), "channel-gateway.yaml(5) type:")
    }

    @Test func gatewayctlDocumentsEverySubcommand() throws {
        let lines = Self.section(".SH COMMANDS", in: try Self.page("gatewayctl.1"))
        var documented: Set<String> = []
        // `.SS optout, optin`, `.SS status \fImessage-id\fP`, `.SS pause \fIname\fP, resume \fIname\fP`,
        // `.SS tail [\-\-channel …]…`: the command names, without arguments and optional parts.
        let argument = try Regex(#"\\fI.*?\\fP|\[[^\]]*\]"#)
        for line in lines where line.hasPrefix(".SS ") {
            let title = String(line.dropFirst(4)).replacing(argument, with: "")
            for name in title.split(separator: ",") {
                if let first = name.split(separator: " ").first { documented.insert(String(first)) }
            }
        }
        // A loop, not a key path: `\.configuration.commandName` over `any ParsableCommand.Type` crashes SILGen
        // in Swift 6.3.1.
        var names: [String] = []
        for command in GatewayCtl.configuration.subcommands {
            if let name = command.configuration.commandName { names.append(name) }
        }
        #expect(documented == Set(names), "gatewayctl(1) COMMANDS")
        let synopsis = Self.section(".SH SYNOPSIS", in: try Self.page("gatewayctl.1")).joined(separator: "\n")
        for name in names {
            #expect(synopsis.contains("gatewayctl \(name)") || synopsis.contains("| \(name)"), "synopsis: \(name)")
        }
    }

    @Test func gatewayctlListsEveryErrorCode() throws {
        let lines = try Self.page("gatewayctl.1")
        let start = try #require(lines.firstIndex { $0.hasPrefix("The daemon's error codes") })
        let codes = lines[(start + 1)...].prefix { $0 != "see" }.compactMap(Self.word)
        #expect(codes == ControlError.codeNames, "gatewayctl(1) EXIT STATUS error codes")
    }

    @Test func gatewayctlTailListsEveryMessageState() throws {
        let lines = Self.section(
            ".SS tail",
            in: try Self.page("gatewayctl.1").map { line in
                line.hasPrefix(".SS tail") ? ".SS tail" : line
            })
        let listed = lines.filter { $0.hasPrefix(".IR \"") }.flatMap { line in
            line.dropFirst(4).filter { $0 != "\"" }.split(separator: ",").map {
                $0.trimmingCharacters(in: .whitespaces.union(CharacterSet(charactersIn: ".")))
            }
        }.filter { !$0.isEmpty }
        #expect(listed == MessageState.names, "gatewayctl(1) tail states")
    }
}
