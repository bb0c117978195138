import Foundation
import Testing

/// Every Swift code block a user may copy from the README, `docs/` or an example's README is
/// compiled: each block is kept, verbatim, in a file under `Snippets/` of this test target,
/// which builds with the tests; this test fails when a block and its file drift apart, so a
/// block cannot change without compiling again.
@Suite("Documentation code blocks")
struct CodeBlockTests {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let snippetsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snippets")

    /// The Markdown files whose Swift blocks must compile.
    static var documents: [String] {
        var paths = ["README.md"]
        let manager = FileManager.default
        for folder in ["docs", "Examples"] {
            let root = Self.repository.appendingPathComponent(folder)
            guard let walker = manager.enumerator(at: root, includingPropertiesForKeys: nil) else { continue }
            for case let url as URL in walker {
                if url.pathComponents.contains(where: { $0.hasPrefix(".build") }) {
                    walker.skipDescendants()
                    continue
                }
                if url.pathExtension == "md" {
                    paths.append(String(url.path.dropFirst(Self.repository.path.count + 1)))
                }
            }
        }
        return paths.sorted()
    }

    @Test("Each Swift block of the documentation is one of the compiled snippets")
    func everyBlockCompiles() throws {
        let snippets = try Self.snippetFiles()
        #expect(!snippets.isEmpty)
        var blocks = 0
        for document in Self.documents {
            let text = try String(contentsOf: Self.repository.appendingPathComponent(document), encoding: .utf8)
            for block in CodeBlock.swiftBlocks(in: text) {
                blocks += 1
                let found = snippets.contains { block.isContained(in: $0.lines) }
                #expect(found, "\(document):\(block.line): this Swift block is in no file of Tests/DocumentationTests/Snippets, so nothing compiles it")
            }
        }
        #expect(blocks >= 4, "the README's Swift blocks were not found")
    }

    @Test("Each Swift example in a documentation comment is one of the compiled snippets")
    func everyDocCExampleCompiles() throws {
        let snippets = try Self.snippetFiles()
        let sources = Self.repository.appendingPathComponent("Sources")
        guard let walker = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil) else {
            Issue.record("cannot list \(sources.path)")
            return
        }
        var examples = 0
        for case let url as URL in walker where url.pathExtension == "swift" {
            let text = try String(contentsOf: url, encoding: .utf8)
            for block in CodeBlock.swiftBlocks(in: CodeBlock.documentationComments(of: text)) {
                examples += 1
                let found = snippets.contains { block.isContained(in: $0.lines) }
                let file = url.path.dropFirst(Self.repository.path.count + 1)
                #expect(found, "\(file):\(block.line): this documentation example is in no file of Tests/DocumentationTests/Snippets, so nothing compiles it")
            }
        }
        #expect(examples >= 1, "no documentation examples were found")
    }

    @Test("The block reader finds fenced Swift blocks and their imports")
    func readerFindsBlocks() {
        let text = "intro\n```swift\nimport A\n\nlet x = 1\n```\n```sh\nls\n```\n  ```swift\n  f()\n  ```\n"
        let blocks = CodeBlock.swiftBlocks(in: text)
        #expect(blocks.map(\.line) == [2, 10])
        #expect(blocks.first?.imports == ["import A"])
        #expect(blocks.first?.body == ["let x = 1"])
        #expect(blocks.last?.body == ["f()"])
        let file = ["import A", "", "func snippet() {", "    let x = 1", "}"]
        #expect(blocks[0].isContained(in: file))
        #expect(!blocks[0].isContained(in: ["import B", "let x = 1"]))
        #expect(!blocks[0].isContained(in: ["import A", "let x = 2"]))
    }

    /// Where the Vapor package compiles the README's Vapor how-to (this package cannot: it never
    /// resolves Vapor).
    static let vaporSnippetsDirectory = Self.repository
        .appendingPathComponent("Integrations/VaporJWTAuth/Tests/VaporJWTAuthDocumentationTests/Snippets")

    static func snippetFiles() throws -> [(name: String, lines: [String])] {
        var files: [(name: String, lines: [String])] = []
        for directory in [Self.snippetsDirectory, Self.vaporSnippetsDirectory] {
            let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".swift") }
            for name in names.sorted() {
                let text = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
                files.append((name, text.components(separatedBy: "\n")))
            }
        }
        return files
    }
}
