import Foundation
import JWTAuth
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading inputs and writing outputs the way the CLI contract needs.
enum Console {
    static func error(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// Writes bytes to stdout exactly; a newline is added only for a terminal, so pipes get the
    /// exact payload (the RFC examples' payloads end without one).
    static func writeExactly(_ bytes: [UInt8]) {
        FileHandle.standardOutput.write(Data(bytes))
        if isatty(STDOUT_FILENO) != 0 { FileHandle.standardOutput.write(Data("\n".utf8)) }
    }

    /// Prints rows as a table for people: columns padded to their widest cell, two spaces
    /// apart, nothing trailing. The first row is the header.
    static func printTable(_ rows: [[String]]) {
        let columns = rows.map(\.count).max() ?? 0
        let widths = (0..<columns).map { column in rows.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0 }
        for row in rows {
            let cells = row.enumerated().map { column, cell in cell.padding(toLength: widths[column], withPad: " ", startingAt: 0) }
            print(cells.joined(separator: "  ").trimmingCharacters(in: .whitespaces))
        }
    }

    /// A time for a table: ISO 8601 in UTC to the second, `-` for none.
    static func date(_ date: NumericDate?) -> String {
        guard let date else { return "-" }
        return Date(timeIntervalSince1970: Double(date.wholeSeconds)).ISO8601Format()
    }

    /// A logger for the administration commands: warnings and errors only, on stderr (the
    /// logging system's default handler).
    static func administrationLogger() -> Logger {
        var logger = Logger(label: "jwtauth")
        logger.logLevel = .warning
        return logger
    }

    static func readStandardInput() throws(CLIFailure) -> [UInt8] {
        do {
            return Array(try FileHandle.standardInput.readToEnd() ?? Data())
        } catch {
            throw .usage("cannot read standard input")
        }
    }

    /// A password: asked for without echo when standard input is a terminal and `prompt` is
    /// given, else read from standard input with one trailing line break removed (never from
    /// a flag, where it would show in the process list and the shell history).
    static func password(prompt: String? = nil) throws(CLIFailure) -> String {
        if let prompt, isatty(STDIN_FILENO) != 0 {
            guard let typed = getpass(prompt) else { throw .usage("cannot read the password from the terminal") }
            return String(cString: typed)
        }
        // Bytes, not Characters: "\r\n" is one Character, and removing two would eat the
        // password's last one.
        var bytes = try readStandardInput()
        if bytes.last == 0x0A {
            bytes.removeLast()
            if bytes.last == 0x0D { bytes.removeLast() }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func readFile(_ path: String) throws(CLIFailure) -> [UInt8] {
        // FileHandle rather than FileManager, so pipes and /dev/fd paths work too.
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw .usage("cannot read \(path)")
        }
        defer { try? handle.close() }
        do {
            return Array(try handle.readToEnd() ?? Data())
        } catch {
            throw .usage("cannot read \(path)")
        }
    }

    /// A token argument, or standard input for `-`. Exactly one trailing line break is removed
    /// from standard input (what `echo` adds); nothing else is trimmed, so whitespace inside or
    /// around a token stays and is rejected by the parser.
    static func token(_ argument: String) throws(CLIFailure) -> String {
        guard argument == "-" else { return argument }
        var bytes = try readStandardInput()
        if bytes.last == 0x0A {
            bytes.removeLast()
            if bytes.last == 0x0D { bytes.removeLast() }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
