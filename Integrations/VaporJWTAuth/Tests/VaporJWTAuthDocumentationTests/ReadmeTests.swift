import Foundation
import Testing

/// The READMEs' Vapor how-to is the code in `Snippets/VaporHowTo.swift`, which this target
/// compiles as a user's package would; these tests fail when the two drift apart.
@Suite("README how-to")
struct ReadmeTests {
    static let package = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let repository = Self.package.deletingLastPathComponent().deletingLastPathComponent()

    /// The snippet's parts between `// README-BEGIN: NAME` and `// README-END: NAME`.
    static func parts() throws -> [String: String] {
        let text = try String(
            contentsOf: Self.package.appendingPathComponent("Tests/VaporJWTAuthDocumentationTests/Snippets/VaporHowTo.swift"),
            encoding: .utf8
        )
        var parts: [String: String] = [:]
        var current: (name: String, lines: [String])?
        for line in text.components(separatedBy: "\n") {
            if line.hasPrefix("// README-BEGIN: ") {
                current = (String(line.dropFirst("// README-BEGIN: ".count)), [])
            } else if line.hasPrefix("// README-END: "), let open = current {
                parts[open.name] = open.lines.joined(separator: "\n")
                current = nil
            } else {
                current?.lines.append(line)
            }
        }
        return parts
    }

    @Test("Each README shows the compiled how-to verbatim", arguments: ["Integrations/VaporJWTAuth/README.md", "README.md"])
    func readmeContainsSnippet(_ path: String) throws {
        let readme = try String(contentsOf: Self.repository.appendingPathComponent(path), encoding: .utf8)
        let parts = try Self.parts()
        #expect(parts.keys.sorted() == ["issue", "verify"])
        let verify = try #require(parts["verify"])
        #expect(readme.contains("import VaporJWTAuth"), "\(path) names the module")
        #expect(readme.contains(verify), "\(path) no longer shows Snippets/VaporHowTo.swift's verify part verbatim")
        #expect(verify.components(separatedBy: "\n").count + 3 < 20, "the how-to is under 20 lines")
        #expect(readme.contains(try #require(parts["issue"])), "\(path) no longer shows the issue part verbatim")
    }

    /// The fenced Swift examples of the library's `///` comments, each as its lines without
    /// indentation.
    static func docCExamples() throws -> [(file: String, lines: [String])] {
        let sources = Self.package.appendingPathComponent("Sources/VaporJWTAuth")
        var examples: [(file: String, lines: [String])] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: sources.path).sorted() where name.hasSuffix(".swift") {
            let text = try String(contentsOf: sources.appendingPathComponent(name), encoding: .utf8)
            var current: [String]?
            for line in text.components(separatedBy: "\n") {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                guard trimmed.hasPrefix("///") else { continue }
                let comment = String(trimmed.dropFirst(3)).trimmingCharacters(in: .whitespaces)
                if comment.hasPrefix("```") {
                    if let open = current {
                        examples.append((name, open))
                        current = nil
                    } else if comment == "```swift" {
                        current = []
                    }
                } else {
                    current?.append(comment)
                }
            }
        }
        return examples
    }

    @Test("Each Swift example in the library's documentation comments is compiled")
    func docCExamplesCompile() throws {
        let snippets = Self.package.appendingPathComponent("Tests/VaporJWTAuthDocumentationTests/Snippets")
        var compiled: [String] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: snippets.path) where name.hasSuffix(".swift") {
            let text = try String(contentsOf: snippets.appendingPathComponent(name), encoding: .utf8)
            compiled.append(text.components(separatedBy: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: "\n"))
        }
        let examples = try Self.docCExamples()
        #expect(examples.count >= 3)
        for example in examples {
            let block = example.lines.joined(separator: "\n")
            #expect(compiled.contains { $0.contains(block) }, "\(example.file): this documentation example is in no file of Snippets/, so nothing compiles it")
        }
    }
}
