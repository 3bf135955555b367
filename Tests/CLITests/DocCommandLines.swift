import Foundation

/// A `flowrl …` command found in a fenced code block of a Markdown file.
struct DocCommand: Equatable {
    var file: String
    /// 1-based line where the command's (possibly continued) shell line starts.
    var line: Int
    /// The arguments after the binary, as the shell would pass them (placeholders filled in).
    var arguments: [String]

    var location: String { "\(file):\(line): flowrl \(arguments.joined(separator: " "))" }
}

/// Finds the `flowrl` invocations in the shell lines of Markdown code blocks, the way a reader
/// would type them: `flowrl …`, `swift run -c release flowrl …`, `.build/release/flowrl …`, behind
/// environment assignments, `mpirun`/`srun`/`time` and inside `sbatch --wrap "…"`, across `\`
/// continuations, in `&&`/`;`/`|` chains, with redirections and comments removed.
enum DocCommandLines {
    /// Programs that run another command given after their own options.
    static let wrappers: Set<String> = ["mpirun", "mpiexec", "srun", "time", "/usr/bin/time", "nice", "env", "exec", "sudo"]

    /// Fence languages whose lines are shell commands (no language counts as shell too); a
    /// ```swift or ```json block is code, not something a reader types.
    static let shellLanguages: Set<String> = ["sh", "bash", "shell", "console", "zsh", "text"]

    static func extract(markdown: String, file: String) -> [DocCommand] {
        var out: [DocCommand] = []
        var fence: String? = nil
        var isShell = true
        var pending = "", pendingLine = 0
        for (index, raw) in markdown.components(separatedBy: "\n").enumerated() {
            let trimmed = raw.trimmingCharacters(in: .whitespaces)
            if let open = fence {
                if trimmed.hasPrefix(open) && trimmed.allSatisfy({ $0 == open.first }) { fence = nil; pending = ""; continue }
                if !isShell { continue }
                if pending.isEmpty { pendingLine = index + 1 }
                if trimmed.hasSuffix("\\") {
                    pending += String(trimmed.dropLast()) + " "
                    continue
                }
                let logical = pending + trimmed
                pending = ""
                for arguments in commands(inShellLine: logical) {
                    out.append(DocCommand(file: file, line: pendingLine, arguments: arguments))
                }
            } else if trimmed.hasPrefix("```") || trimmed.hasPrefix("~~~") {
                fence = String(trimmed.prefix(3))
                let language = trimmed.drop(while: { $0 == "`" || $0 == "~" }).trimmingCharacters(in: .whitespaces).lowercased()
                isShell = language.isEmpty || shellLanguages.contains(language)
            }
        }
        return out
    }

    /// The argument lists of every flowrl invocation in one logical shell line.
    static func commands(inShellLine line: String) -> [[String]] {
        var text = line
        if text.hasPrefix("$ ") { text.removeFirst(2) }
        var found: [[String]] = []
        for segment in segments(words(text)) {
            if let arguments = flowrlArguments(segment) { found.append(arguments.map(fillPlaceholder)) }
            // A command quoted inside another (sbatch --wrap "srun … flowrl train …").
            for word in segment where word.contains(" ") && word.contains("flowrl") {
                found += commands(inShellLine: word)
            }
        }
        return found
    }

    /// Shell words with quotes removed; operators (`&&`, `||`, `;`, `|`, `&`, redirections) are
    /// words of their own, marked by a leading NUL so that a quoted "|" stays an argument.
    static func words(_ s: String) -> [String] {
        var out: [String] = []
        var current = "", inWord = false
        var quote: Character? = nil
        let chars = Array(s)
        var i = 0
        func flush() { if inWord { out.append(current) }; current = ""; inWord = false }
        while i < chars.count {
            let c = chars[i]
            if let q = quote {
                if c == q { quote = nil } else if c == "\\" && q == "\"" && i + 1 < chars.count { i += 1; current.append(chars[i]) } else { current.append(c) }
                i += 1; continue
            }
            switch c {
            case "'", "\"": quote = c; inWord = true
            case "\\" where i + 1 < chars.count: i += 1; current.append(chars[i]); inWord = true
            case " ", "\t": flush()
            case "#" where !inWord: return out   // a comment runs to the end of the line
            case "&", "|", ";", ">", "<":
                // A digit just before > or < is the file descriptor of a redirection (2>).
                if (c == ">" || c == "<"), inWord, current.allSatisfy(\.isNumber) { current = ""; inWord = false } else { flush() }
                var op = String(c)
                while i + 1 < chars.count, "&|><".contains(chars[i + 1]) { i += 1; op.append(chars[i]) }
                out.append("\u{0}" + op)
            default: current.append(c); inWord = true
            }
            i += 1
        }
        flush()
        return out
    }

    /// Splits words into simple commands at control operators and drops redirections with their targets.
    static func segments(_ words: [String]) -> [[String]] {
        var out: [[String]] = [[]]
        var i = 0
        while i < words.count {
            let w = words[i]
            if w.hasPrefix("\u{0}") {
                let op = String(w.dropFirst())
                if op.contains(">") || op.contains("<") {
                    if !op.hasSuffix("&1") && !op.hasSuffix("&2") { i += 1 }   // the target file
                } else {
                    out.append([])
                }
            } else {
                out[out.count - 1].append(w)
            }
            i += 1
        }
        return out.filter { !$0.isEmpty }
    }

    /// The arguments after the flowrl binary, if this simple command runs it.
    static func flowrlArguments(_ segment: [String]) -> [String]? {
        var words = segment.drop(while: { $0.range(of: #"^[A-Za-z_][A-Za-z0-9_]*="#, options: .regularExpression) != nil })
        guard let first = words.first else { return nil }
        if isBinary(first) { return Array(words.dropFirst()) }
        if first == "swift", words.dropFirst().first == "run", let at = words.firstIndex(of: "flowrl") {
            return Array(words[(at + 1)...])
        }
        if wrappers.contains(first) {
            words = words.dropFirst()
            if let at = words.firstIndex(where: isBinary) { return Array(words[(at + 1)...]) }
        }
        return nil
    }

    static func isBinary(_ word: String) -> Bool {
        word == "flowrl" || (word.hasSuffix("/flowrl") && (word.contains(".build/") || word.hasPrefix("./")))
    }

    /// `[--out DIR]` reads as `--out DIR`; an all-capitals placeholder (N, DIR, RUN_A, RUN…) becomes
    /// "1", which every option accepts whether it takes a number or a path.
    static func fillPlaceholder(_ word: String) -> String {
        var w = word
        while w.hasPrefix("[") { w.removeFirst() }
        while w.hasSuffix("]") { w.removeLast() }
        let bare = w.replacingOccurrences(of: "...", with: "").replacingOccurrences(of: "…", with: "")
        if !bare.isEmpty, bare.range(of: #"^[A-Z][A-Z0-9_]*$"#, options: .regularExpression) != nil { return "1" }
        return w
    }
}
