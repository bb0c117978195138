// NFKC (compatibility mapping) is only in full Foundation on Linux; FoundationEssentials and
// the standard library offer canonical forms at most.
import Foundation

/// How usernames are compared and which ones are accepted, after the PRECIS
/// `UsernameCaseMapped` profile (RFC 8265): width and compatibility forms mapped (NFKC), case
/// folded, then normalized again, so that `ＡＬＩＣＥ`, `Alice` and `alice` are one account, and
/// `josé` typed with a combining accent is the same name as with a precomposed `é`.
///
/// On top of the profile's comparison, names that only deceive are refused at registration:
/// invisible characters (the Hangul filler U+3164 looks like nothing at all) and letters of
/// scripts that imitate each other mixed in one name (Latin `a` beside Cyrillic `а`).
public enum UsernameProfile {
    /// The key a username is stored and looked up by.
    public static func key(_ username: String) -> String {
        let mapped = username.precomposedStringWithCompatibilityMapping
        return mapped.lowercased().precomposedStringWithCompatibilityMapping
    }

    /// The spelling an account keeps for display: the name as typed, in composed form (NFC),
    /// so that one name is stored one way whatever keyboard typed it.
    public static func displayForm(_ username: String) -> String {
        username.precomposedStringWithCanonicalMapping
    }

    /// Why `username` cannot be registered, or nil when it can. Length limits are the
    /// caller's; this judges the characters.
    public static func problem(with username: String) -> String? {
        var scripts = Set<ConfusableScript>()
        for scalar in username.unicodeScalars {
            let properties = scalar.properties
            if properties.isWhitespace || properties.generalCategory == .control || properties.generalCategory == .format {
                return "a username may not contain spaces or control characters"
            }
            if properties.isDefaultIgnorableCodePoint || Self.blankLookingScalars.contains(scalar.value) {
                return "a username may not contain invisible characters"
            }
            if let script = ConfusableScript(scalar) { scripts.insert(script) }
        }
        if scripts.count > 1 {
            return "a username may not mix letters of different scripts (such as Latin and Cyrillic) that look alike"
        }
        return nil
    }

    /// Letters and symbols that render blank but are not default-ignorable.
    private static let blankLookingScalars: Set<UInt32> = [0x2800, 0x3164, 0xFFA0, 0x115F, 0x1160, 0x17B4, 0x17B5]
}

/// The scripts whose letters are routinely mistaken for one another. Names may use any one of
/// them, or none (digits, punctuation, and scripts such as Han or Arabic that are not in this
/// set), but not two.
enum ConfusableScript: Hashable {
    case latin, greek, cyrillic, armenian, cherokee

    init?(_ scalar: Unicode.Scalar) {
        guard scalar.properties.isAlphabetic else { return nil }
        switch scalar.value {
        case 0x41...0x5A, 0x61...0x7A, 0xAA, 0xBA, 0xC0...0x24F, 0x1E00...0x1EFF, 0x2C60...0x2C7F, 0xA720...0xA7FF, 0xFF21...0xFF3A, 0xFF41...0xFF5A:
            self = .latin
        case 0x370...0x3FF, 0x1F00...0x1FFF:
            self = .greek
        case 0x400...0x52F, 0x1C80...0x1C8F, 0x2DE0...0x2DFF, 0xA640...0xA69F:
            self = .cyrillic
        case 0x530...0x58F, 0xFB13...0xFB17:
            self = .armenian
        case 0x13A0...0x13FF, 0xAB70...0xABBF:
            self = .cherokee
        default:
            return nil
        }
    }
}
