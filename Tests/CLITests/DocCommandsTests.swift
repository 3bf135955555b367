import ArgumentParser
import Foundation
import XCTest
@testable import flowrl

/// Every `flowrl …` command in the code blocks of README.md and docs/*.md parses with the real
/// argument parser (subcommand, flags, value types, `validate()`), without running: a renamed or
/// misspelled flag breaks the build, not the reader.
final class DocCommandsTests: XCTestCase {
    /// Subcommands documented before the branch that adds them is merged: their lines are listed,
    /// not failed, only while the subcommand does not exist (once merged they are checked like the rest).
    static let awaitingMerge: Set<String> = ["study", "export", "report"]

    static var docFiles: [URL] {
        let root = CLI.packageRoot
        let docs = root.appendingPathComponent("docs")
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: docs.path)) ?? []).filter { $0.hasSuffix(".md") }.sorted()
        return [root.appendingPathComponent("README.md")] + names.map { docs.appendingPathComponent($0) }
    }

    static var subcommandNames: Set<String> {
        Set(FlowRL.configuration.subcommands.map { $0._commandName })
    }

    /// Why `command` does not parse, or nil when it does; `pending` when it names a subcommand in
    /// `awaitingMerge` that this build does not have.
    static func problem(_ command: DocCommand) -> (message: String, pending: Bool)? {
        do {
            _ = try FlowRL.parseAsRoot(command.arguments)
            return nil
        } catch {
            if FlowRL.exitCode(for: error) == .success { return nil }   // --help, --version
            let first = command.arguments.first ?? ""
            let pending = awaitingMerge.contains(first) && !subcommandNames.contains(first)
            let message = FlowRL.message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
            return (message, pending)
        }
    }

    /// (failures, pending) for a Markdown text.
    static func check(markdown: String, file: String) -> (failures: [String], pending: [String]) {
        var failures: [String] = [], pending: [String] = []
        for command in DocCommandLines.extract(markdown: markdown, file: file) {
            guard let p = problem(command) else { continue }
            if p.pending { pending.append(command.location) } else { failures.append("\(command.location)\n    → \(p.message)") }
        }
        return (failures, pending)
    }

    func testEveryDocumentedCommandParses() throws {
        var failures: [String] = [], pending: [String] = [], count = 0
        for url in Self.docFiles {
            let text = try String(contentsOf: url, encoding: .utf8)
            let name = url.path.replacingOccurrences(of: CLI.packageRoot.path + "/", with: "")
            count += DocCommandLines.extract(markdown: text, file: name).count
            let r = Self.check(markdown: text, file: name)
            failures += r.failures; pending += r.pending
        }
        XCTAssertGreaterThan(count, 20, "found too few flowrl commands: is the extraction broken?")
        if !pending.isEmpty {
            print("DocCommandsTests: \(pending.count) lines wait for subcommands not in this build:\n  " + pending.joined(separator: "\n  "))
        }
        XCTAssertTrue(failures.isEmpty, "\(failures.count) documented commands do not parse:\n" + failures.joined(separator: "\n"))
    }

    func testAMisspelledFlagInADocIsReportedWithItsLine() {
        let doc = """
            Text with `flowrl train --iteratons 5` inline is not a code block.

            ```
            flowrl train --iterations 5
            OPENBLAS_NUM_THREADS=1 swift run -c release flowrl train --run outputs/runs/a \\
                --iteratons 5 > log.txt 2>&1 && echo done
            flowrl sample --prompt "two red circles" --n 4 | tee out.txt
            ```
            """
        let r = Self.check(markdown: doc, file: "doc.md")
        XCTAssertEqual(r.failures.count, 1, r.failures.joined(separator: "\n"))
        XCTAssertTrue(r.failures.first?.hasPrefix("doc.md:5: flowrl train --run outputs/runs/a --iteratons 5") ?? false, "\(r.failures)")
        XCTAssertTrue(r.failures.first?.contains("iteratons") ?? false, "\(r.failures)")
        // A value of the wrong type and an unknown subcommand are caught too.
        XCTAssertEqual(Self.check(markdown: "```\nflowrl train --iterations ten\nflowrl trian\n```", file: "d.md").failures.count, 2)
    }

    func testCommandLinesAreFoundInEveryShellForm() {
        let doc = """
            ```
            apt-get update && apt-get install -y libpng-dev && swift run -c release flowrl train
            swift test
            OPENBLAS_NUM_THREADS=1 mpirun -np 4 -x OPENBLAS_NUM_THREADS \\
                .build/release/flowrl train --run outputs/runs/dp --threads 1   # comment --not-a-flag
            sbatch -N 8 --wrap "srun --mpi=pmix .build/release/flowrl train --run /shared/runs/dp"
            flowrl study run studies/NAME.json [--out DIR] [--jobs N]
            flowrl score --reward "external:python3 x.py" --prompt "a red circle" img.png 2>/dev/null
            Sources/flowrl    the executable
            ```

            ```swift
            flowrl train --not-shell
            ```

            ```bash
            flowrl eval
            ```
            """
        let found = DocCommandLines.extract(markdown: doc, file: "d.md")
        XCTAssertEqual(found.map(\.arguments), [
            ["train"],
            ["train", "--run", "outputs/runs/dp", "--threads", "1"],
            ["train", "--run", "/shared/runs/dp"],
            ["study", "run", "studies/NAME.json", "--out", "1", "--jobs", "1"],
            ["score", "--reward", "external:python3 x.py", "--prompt", "a red circle", "img.png"],
            ["eval"],
        ])
        XCTAssertEqual(found.map(\.line), [2, 4, 6, 7, 8, 17])
    }
}
