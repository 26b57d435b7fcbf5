import Testing

@testable import GatewayCore

/// `{{customer.NAME}}` and `{{customer.NAME|default}}` in step texts.
struct TemplateRendererTests {
    static let attributes = ["name": "王先生", "segment": "young"]

    @Test func fillsAttributesAndDefaults() throws {
        let text = try TemplateRenderer.render(
            "{{customer.name}}，您好 {{ customer.city|上海 }} {{customer.segment|x}}", attributes: Self.attributes,
            customerID: "c1")
        #expect(text == "王先生，您好 上海 young")
    }

    @Test func missingWithoutDefaultIsRefused() {
        #expect(throws: TemplateRenderer.Missing(attribute: "city")) {
            try TemplateRenderer.render("Hi {{customer.city}}", attributes: Self.attributes, customerID: "c1")
        }
    }

    @Test func leavesOtherPlaceholdersAndPlainText() throws {
        #expect(try TemplateRenderer.render("{{code}} ok", attributes: [:], customerID: "c1") == "{{code}} ok")
        #expect(try TemplateRenderer.render("plain", attributes: [:], customerID: "c1") == "plain")
        #expect(try TemplateRenderer.render("{{customer.id}}", attributes: [:], customerID: "c1") == "c1")
        #expect(try TemplateRenderer.render("{{customer.name|}}!", attributes: [:], customerID: "c1") == "!")
    }

    @Test func rendersParams() throws {
        let params = try TemplateRenderer.render(
            params: ["who": "{{customer.name}}", "n": "3"], attributes: Self.attributes, customerID: "c1")
        #expect(params == ["who": "王先生", "n": "3"])
    }
}
