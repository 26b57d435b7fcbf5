import GatewayConfig
import Testing

/// ``CustomerTemplate``: `{{customer.NAME}}` and `{{customer.NAME|default}}`.
struct StrategyTemplateTests {
    @Test func placeholdersAndDefaultsAreParsedAndRendered() throws {
        let template = try CustomerTemplate.parse("{{customer.name|您好}}，首贷 {{ customer.city }}!")
        #expect(
            template.parts == [
                .attribute(name: "name", fallback: "您好"), .text("，首贷 "), .attribute(name: "city", fallback: nil),
                .text("!"),
            ])
        #expect(template.attributeNames == ["name", "city"])
        #expect(template.render { ["city": "杭州"][$0] } == "您好，首贷 杭州!")
        #expect(template.render { _ in nil } == nil)
        #expect(try CustomerTemplate.parse("plain").isPlain)
        #expect(try CustomerTemplate.parse("{{customer.x|}}").render { _ in nil } == "")
    }

    @Test func badPlaceholdersAreRefusedWithTheirText() {
        #expect(throws: CustomerTemplate.Problem.self) { try CustomerTemplate.parse("{{customer.1st}}") }
        #expect(throws: CustomerTemplate.Problem.self) { try CustomerTemplate.parse("{{name}}") }
        #expect(throws: CustomerTemplate.Problem.self) { try CustomerTemplate.parse("hi {{customer.name") }
        do {
            _ = try CustomerTemplate.parse("{{customer.}}")
            Issue.record("accepted an empty name")
        } catch {
            #expect(error.message.contains("'{{customer.}}'"))
        }
    }
}
