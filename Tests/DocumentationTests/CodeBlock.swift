/// A fenced Swift code block of a Markdown document.
struct CodeBlock {
    /// The 1-based line of its opening fence.
    var line: Int
    /// Its `import` lines.
    var imports: [String]
    /// Its other lines, without the common indentation and without leading or trailing blank lines.
    var body: [String]

    /// The ```` ```swift ```` blocks of `markdown`, in order.
    static func swiftBlocks(in markdown: String) -> [CodeBlock] {
        var blocks: [CodeBlock] = []
        var current: (line: Int, indent: Int, lines: [String])?
        for (index, raw) in markdown.components(separatedBy: "\n").enumerated() {
            let trimmed = raw.drop(while: { $0 == " " })
            if var open = current {
                if trimmed.hasPrefix("```") {
                    blocks.append(CodeBlock(line: open.line, lines: open.lines))
                    current = nil
                } else {
                    open.lines.append(String(raw.dropFirst(min(open.indent, raw.prefix(while: { $0 == " " }).count))))
                    current = open
                }
            } else if trimmed.hasPrefix("```swift") {
                current = (index + 1, raw.count - trimmed.count, [])
            }
        }
        return blocks
    }

    /// The text of a Swift file's `///` comments, line for line (other lines blank), so that
    /// fenced examples in them are read like Markdown and keep their line numbers.
    static func documentationComments(of source: String) -> String {
        source.components(separatedBy: "\n").map { line in
            let trimmed = line.drop(while: { $0 == " " })
            guard trimmed.hasPrefix("///") else { return "" }
            let text = trimmed.dropFirst(3)
            return String(text.first == " " ? text.dropFirst() : text)
        }.joined(separator: "\n")
    }

    init(line: Int, lines: [String]) {
        self.line = line
        let stripped = lines.map { String($0.reversed().drop(while: { $0 == " " }).reversed()) }
        self.imports = stripped.filter { $0.hasPrefix("import ") }
        var body = stripped.filter { !$0.hasPrefix("import ") }
        while body.first?.isEmpty == true { body.removeFirst() }
        while body.last?.isEmpty == true { body.removeLast() }
        let indent = body.filter { !$0.isEmpty }.map { $0.prefix(while: { $0 == " " }).count }.min() ?? 0
        self.body = body.map { $0.isEmpty ? $0 : String($0.dropFirst(indent)) }
    }

    /// Whether a file holds every import of this block and its body as consecutive lines,
    /// all indented alike (a snippet's body usually sits inside a function).
    func isContained(in file: [String]) -> Bool {
        let fileLines = file.map { String($0.reversed().drop(while: { $0 == " " }).reversed()) }
        guard self.imports.allSatisfy(fileLines.contains) else { return false }
        guard let first = self.body.first else { return true }
        for start in fileLines.indices where fileLines[start].hasSuffix(first) {
            let indent = String(fileLines[start].dropLast(first.count))
            guard indent.allSatisfy({ $0 == " " }), start + self.body.count <= fileLines.count else { continue }
            let matches = zip(self.body, fileLines[start..<(start + self.body.count)]).allSatisfy { expected, actual in
                expected.isEmpty ? actual.isEmpty : actual == indent + expected
            }
            if matches { return true }
        }
        return false
    }
}
