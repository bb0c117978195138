extension StringProtocol {
    /// Without leading and trailing spaces and tabs.
    package func trimmingASCIISpaces() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let start = self.firstIndex(where: { !isSpace($0) }) else { return "" }
        let end = self.lastIndex(where: { !isSpace($0) }) ?? start
        return String(self[start...end])
    }
}
