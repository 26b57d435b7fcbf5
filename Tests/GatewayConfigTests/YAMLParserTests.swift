import ChannelKit
import GatewayConfig
import Testing

@Suite struct YAMLParserTests {
    private func parse(_ text: String) throws(ConfigIssue) -> ConfigNode {
        try YAMLParser.parse(Array(text.utf8), file: "t.yaml")
    }

    private func issue(_ text: String) -> ConfigIssue? {
        do {
            _ = try parse(text)
            return nil
        } catch {
            return error
        }
    }

    @Test func mappingWithMarksAndStyles() throws {
        let node = try parse("a: on\nb: \"on\"\nc:\n  - x\n  - |\n    lit\n")
        guard case .mapping(let entries, let mark) = node else {
            Issue.record("expected a mapping")
            return
        }
        #expect(mark.description == "t.yaml:1:1")
        #expect(entries.map(\.key.text) == ["a", "b", "c"])
        guard case .scalar(let plain) = entries[0].value, case .scalar(let quoted) = entries[1].value else {
            Issue.record("expected scalars")
            return
        }
        #expect(plain.text == "on" && !plain.isQuoted && plain.mark.description == "t.yaml:1:4")
        #expect(quoted.text == "on" && quoted.isQuoted && quoted.mark.description == "t.yaml:2:4")
        guard case .sequence(let items, let listMark) = entries[2].value, case .scalar(let literal) = items[1] else {
            Issue.record("expected a list")
            return
        }
        #expect(listMark.description == "t.yaml:4:3")
        #expect(literal.text == "lit\n" && literal.isQuoted)
    }

    @Test func emptyDocumentIsNullAtStart() throws {
        for text in ["", "# only a comment\n", "\n\n"] {
            let node = try parse(text)
            guard case .scalar(let scalar) = node else {
                Issue.record("expected a scalar for \(text.debugDescription)")
                continue
            }
            #expect(scalar.isNull)
            #expect(scalar.mark.description == "t.yaml:1:1")
        }
    }

    @Test func syntaxErrorIsLocatedWithContext() {
        let error = issue("a: 1\nb: [1, 2\nc: 3\n")
        #expect(error?.mark.description == "t.yaml:3:2")
        let expected = "did not find expected ',' or ']' (while parsing a flow sequence started at line 2, column 4)"
        #expect(error?.message == expected)
    }

    @Test func blockMappingErrorNamesItsStart() {
        let error = issue("top:\n  a: 1\n b: 2\n")
        #expect(
            error?.message == "did not find expected key (while parsing a block mapping started at line 1, column 1)"
        )
        #expect(error?.mark.description == "t.yaml:3:2")
    }

    @Test func anchorsAndAliasesAreRejected() {
        let anchor = issue("a: &x 1\nb: *x\n")
        #expect(anchor?.mark.description == "t.yaml:1:4")
        #expect(anchor?.message == "anchors and aliases are not supported")
        let alias = issue("a: 1\nb: *x\n")
        #expect(alias?.message == "anchors and aliases are not supported")
        let collectionAnchor = issue("a: &m {x: 1}\n")
        #expect(collectionAnchor?.mark.description == "t.yaml:1:4")
    }

    @Test func mergeKeysAreRejected() {
        let merge = issue("base: {a: 1}\nchild:\n  <<: {a: 1}\n  b: 2\n")
        #expect(merge?.mark.description == "t.yaml:3:3")
        #expect(merge?.message == "merge keys (<<) are not supported")
        // The usual form, with an anchor and an alias, is refused at the anchor.
        let anchored = issue("base: &b {a: 1}\nchild:\n  <<: *b\n")
        #expect(anchored?.message == "anchors and aliases are not supported")
        // A quoted "<<" is an ordinary key.
        #expect(issue("\"<<\": 1\n") == nil)
    }

    @Test func secondDocumentIsRejected() {
        let error = issue("a: 1\n---\nb: 2\n")
        #expect(error?.mark.description == "t.yaml:2:1")
        #expect(error?.message.contains("only one YAML document") == true)
    }

    @Test func nestingDeeperThan64IsRejected() throws {
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        _ = try parse(ok)
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        let error = issue(deep)
        #expect(error?.mark.description == "t.yaml:1:65")
        #expect(error?.message == "nesting is deeper than 64 levels")
    }

    @Test func mappingKeysMustBeScalars() {
        let error = issue("? [a, b]\n: 1\n")
        #expect(error?.mark.description == "t.yaml:1:3")
        #expect(error?.message.contains("mapping keys must be single values") == true)
    }
}
