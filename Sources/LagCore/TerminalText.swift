/// Text as a terminal shows it: which characters must be escaped so that a
/// name cannot break or disguise a table row or merge into the cell next to
/// it, and how many columns the rest takes. Used by the `lag` table and
/// `lag --watch`.
///
/// Widths are those of terminals that advance the cursor by glibc's `wcwidth`
/// per scalar (xterm, VTE, tmux) and draw an emoji sequence as one picture:
/// - A scalar takes two columns when it is East Asian Wide or Fullwidth (or an
///   emoji shown as a picture), none when it is a combining mark (Mn, Me), a
///   format character or a Hangul medial vowel or final consonant, one
///   otherwise. Spacing marks (Mc) take one: the Kannada vowel sign U+0CC0, the
///   Devanagari U+093E and the Tamil U+0BBE are drawn in a column of their own,
///   after their consonant.
/// - A grapheme cluster (a Swift `Character`, Unicode's extended grapheme
///   cluster) takes the sum of its scalars' widths: `e` + U+0301 one, KA +
///   vowel sign II (U+0C95 U+0CC0) two, the conjunct क्ष two, a Hangul syllable
///   of conjoining jamo two.
/// - An emoji sequence (UTS #51) is one picture of two columns: a flag (two
///   regional indicators), an emoji with the emoji variation selector U+FE0F
///   (`❤️`, the keycap `1️⃣`), with a skin-tone modifier (`👍🏽`), joined to
///   another by U+200D (`👨‍👩‍👧`) or followed by tag characters (`🏴󠁧󠁢󠁳󠁣󠁴󠁿`). The text
///   variation selector U+FE0E changes no width (`❤︎` one, `⌚︎` two): terminals
///   give the base the columns `wcwidth` gives it.
///
/// Per scalar this agrees with glibc's `wcwidth` (Unicode 14 tables, glibc
/// 2.36), which `HostileInputPropertyTests` uses as the oracle.
///
/// A name never merges into the text around it. Padding is a space, and a
/// space followed by a mark is one grapheme cluster: a terminal that draws
/// clusters puts the mark on the padding and the rest of the row one column
/// early, and every terminal shows the mark as part of the wrong cell. So a
/// name's first scalar is escaped (`\u{0CC0}`) when it would join the
/// character before it (Grapheme_Cluster_Break Extend, ZWJ or SpacingMark:
/// combining and spacing marks, U+200D, variation selectors, skin-tone
/// modifiers, tag characters) or takes no column (a Hangul medial vowel, which
/// terminals draw on the previous cell), and its last scalar is escaped when
/// it joins the character after it (Prepend, U+0D4E MALAYALAM LETTER DOT
/// REPH). Escaped rather than shown on U+25CC DOTTED CIRCLE (Unicode's way to
/// show a lone mark), so that the text stays what the name is: a name that
/// starts with a dotted circle and one that starts with the bare mark print
/// differently, as escaped invisible characters do.
package enum TerminalText {
    /// Escapes control characters (newline, tab, escape sequences), line and
    /// paragraph separators, invisible format characters (bidirectional
    /// overrides, zero-width space; the emoji joiner U+200D and emoji tag
    /// characters stay) and unassigned code points, as `\n`, `\t`, `\u{1B}`,
    /// `\u{202E}`; and a first scalar that would join what precedes the name
    /// or a last one that would join what follows (see ``TerminalText``), as
    /// `\u{0CC0}`. Backslashes stay as they are: the JSON output is the
    /// unambiguous form of a name.
    static func printable(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard let first = scalars.first, let last = scalars.last else { return text }
        let escapesFirst = joinsPreceding(first)
        let escapesLast = joinsFollowing(last)
        guard escapesFirst || escapesLast || scalars.contains(where: needsEscape) else { return text }
        var output = ""
        let lastIndex = scalars.index(before: scalars.endIndex)
        for index in scalars.indices {
            let scalar = scalars[index]
            if needsEscape(scalar) || (escapesFirst && index == scalars.startIndex) || (escapesLast && index == lastIndex) {
                output += scalar.escaped(asASCII: true)
            } else {
                output.unicodeScalars.append(scalar)
            }
        }
        return output
    }

    /// Whether `scalar`, first in a name, would join the character before it
    /// into one grapheme cluster (a mark, U+200D, a variation selector, a
    /// skin-tone modifier, a tag character) or be drawn on that character's
    /// cell (no column of its own).
    static func joinsPreceding(_ scalar: Unicode.Scalar) -> Bool {
        // Nothing below U+0300 (the combining diacritics) joins or is zero width.
        guard scalar.value >= 0x300 else { return false }
        if width(scalar) == 0 { return true }
        // Swift's grapheme breaking is the one that forms the `Character`s the
        // widths are counted in; what precedes a mark does not change whether
        // it joins (GB9, GB9a), so a space stands for the padding.
        var pair = " "
        pair.unicodeScalars.append(scalar)
        return pair.count == 1
    }

    /// Whether `scalar`, last in a name, would join the character after it
    /// (Grapheme_Cluster_Break Prepend, GB9b).
    static func joinsFollowing(_ scalar: Unicode.Scalar) -> Bool {
        // The first Prepend scalar is U+0600.
        guard scalar.value >= 0x600 else { return false }
        var pair = ""
        pair.unicodeScalars.append(scalar)
        pair.unicodeScalars.append(" ")
        return pair.count == 1
    }

    /// Whether ``printable(_:)`` escapes `scalar`.
    package static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .lineSeparator, .paragraphSeparator, .unassigned, .surrogate:
            true
        case .format:
            // Joiners and tags build emoji sequences (family, subdivision flags).
            !(scalar.value == 0x200D || (0xE0020...0xE007F).contains(scalar.value))
        default:
            false
        }
    }

    /// Terminal columns `text` takes once printable (see ``printable(_:)``).
    static func width(_ text: String) -> Int {
        var width = 0
        for character in text { width += self.width(character) }
        return width
    }

    /// Columns of one grapheme cluster: the sum of its scalars' widths, or two
    /// for an emoji sequence (see ``TerminalText``).
    static func width(_ character: Character) -> Int {
        let scalars = character.unicodeScalars
        // Fast path: ASCII and other single-scalar characters.
        if scalars.count == 1, let scalar = scalars.first { return width(scalar) }
        if isEmojiSequence(scalars) { return 2 }
        var total = 0
        for scalar in scalars { total += width(scalar) }
        return total
    }

    /// Whether a grapheme cluster is an emoji sequence drawn as one picture: two
    /// regional indicators, or an emoji followed by U+FE0F, a skin-tone
    /// modifier, U+200D and another emoji, or tag characters.
    private static func isEmojiSequence(_ scalars: Character.UnicodeScalarView) -> Bool {
        guard let first = scalars.first else { return false }
        if isRegionalIndicator(first) { return scalars.dropFirst().first.map(isRegionalIndicator) ?? false }
        guard first.properties.isEmoji else { return false }
        var afterJoiner = false
        for scalar in scalars.dropFirst() {
            switch scalar.value {
            case 0xFE0F, 0x1F3FB...0x1F3FF, 0xE0020...0xE007F:
                return true
            default:
                // Inside a cluster, U+200D is followed by an emoji only (GB11).
                if afterJoiner { return true }
                afterJoiner = scalar.value == 0x200D
            }
        }
        return false
    }

    /// Columns of one scalar outside a cluster: 0, 1 or 2.
    static func width(_ scalar: Unicode.Scalar) -> Int {
        let value = scalar.value
        if value < 0x300 { return 1 }
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format:
            return 0
        default:
            break
        }
        // Hangul vowels and final consonants join the leading consonant's cell.
        if (0x1160...0x11FF).contains(value) || (0xD7B0...0xD7FF).contains(value) { return 0 }
        if isEastAsianWide(value) { return 2 }
        // Emoji newer than the table above; a lone regional indicator is narrow.
        if value >= 0x1F000, scalar.properties.isEmojiPresentation, !isRegionalIndicator(scalar) { return 2 }
        return 1
    }

    private static func isRegionalIndicator(_ scalar: Unicode.Scalar) -> Bool {
        (0x1F1E6...0x1F1FF).contains(scalar.value)
    }

    /// East Asian Wide (W) and Fullwidth (F) scalars of Unicode 14 plus the few
    /// glibc also draws wide (U+3248-324F, U+4DC0-4DFF); neighbouring ranges
    /// are merged across code points unassigned in Unicode 14.
    private static func isEastAsianWide(_ value: UInt32) -> Bool {
        switch value {
        case 0x1100...0x115F, 0x231A...0x231B, 0x2329...0x232A, 0x23E9...0x23EC, 0x23F0, 0x23F3, 0x25FD...0x25FE,
             0x2614...0x2615, 0x2648...0x2653, 0x267F, 0x2693, 0x26A1, 0x26AA...0x26AB, 0x26BD...0x26BE,
             0x26C4...0x26C5, 0x26CE, 0x26D4, 0x26EA, 0x26F2...0x26F3, 0x26F5, 0x26FA, 0x26FD, 0x2705,
             0x270A...0x270B, 0x2728, 0x274C, 0x274E, 0x2753...0x2755, 0x2757, 0x2795...0x2797, 0x27B0, 0x27BF,
             0x2B1B...0x2B1C, 0x2B50, 0x2B55, 0x2E80...0x303E, 0x3041...0xA4C6, 0xA960...0xA97C, 0xAC00...0xD7A3,
             0xF900...0xFAD9, 0xFE10...0xFE19, 0xFE30...0xFE6B, 0xFF01...0xFF60, 0xFFE0...0xFFE6,
             0x16FE0...0x1B2FB, 0x1F004, 0x1F0CF, 0x1F18E, 0x1F191...0x1F19A, 0x1F200...0x1F320,
             0x1F32D...0x1F335, 0x1F337...0x1F37C, 0x1F37E...0x1F393, 0x1F3A0...0x1F3CA, 0x1F3CF...0x1F3D3,
             0x1F3E0...0x1F3F0, 0x1F3F4, 0x1F3F8...0x1F43E, 0x1F440, 0x1F442...0x1F4FC, 0x1F4FF...0x1F53D,
             0x1F54B...0x1F54E, 0x1F550...0x1F567, 0x1F57A, 0x1F595...0x1F596, 0x1F5A4, 0x1F5FB...0x1F64F,
             0x1F680...0x1F6C5, 0x1F6CC, 0x1F6D0...0x1F6D2, 0x1F6D5...0x1F6DF, 0x1F6EB...0x1F6EC,
             0x1F6F4...0x1F6FC, 0x1F7E0...0x1F7F0, 0x1F90C...0x1F93A, 0x1F93C...0x1F945, 0x1F947...0x1F9FF,
             0x1FA70...0x1FAF6, 0x20000...0x3FFFD:
            true
        default:
            false
        }
    }
}
