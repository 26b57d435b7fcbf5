import Testing

/// Each plugin's README shows its sample.yaml verbatim, so the documented example is the tested one.
struct PluginDocumentationTests {
    @Test(arguments: ["SMS", "Loopback"])
    func readmeYAMLBlockIsTheSample(plugin: String) throws {
        let readme = try Fixtures.plugin(plugin, "README.md")
        let sample = try Fixtures.plugin(plugin, "sample.yaml")
        #expect(!sample.isEmpty)
        #expect(yamlBlock(in: readme) == sample)
    }
}
