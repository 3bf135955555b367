import ArgumentParser
import Foundation
import Study

/// `flowrl study`: arms × seeds of training runs compared with paired confidence intervals.
struct StudyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "study",
        abstract: "Run arms × seeds of `flowrl train` and compare them with paired 95% intervals (DESIGN.md §9).",
        subcommands: [RunStudy.self, ReportStudy.self])
}

/// `flowrl study run FILE`: starts, or resumes, every run of a study file, then writes its report.
struct RunStudy: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run (or resume) every arm × seed of a study file, then write report.md/json/png.",
        discussion: """
            Each run is an ordinary run directory DIR/ARM/seed-S/ (compare, eval and train --resume work on it). \
            Running the same command again skips finished runs and resumes stopped ones; Ctrl-C stops every run \
            cleanly (each saves its checkpoint) and exits 130.
            """)

    @Argument(help: "Study file (JSON: name, config or config_file, arms, seeds, baseline, metrics).") var file: String
    @Option(help: "Study directory (default outputs/studies/<name>).") var out: String?
    @Option(parsing: .unconditional, help: "Runs at once (default: cores ÷ threads per run).") var jobs: Int?
    @Option(name: .customLong("threads-per-run"), parsing: .unconditional, help: "Threads of each run.") var threadsPerRun = 1
    @Flag(name: .customLong("dry-run"), help: "Check the study and print each run's state (finished, resumes, new); start nothing, write nothing.")
    var dryRun = false

    func validate() throws {
        guard threadsPerRun >= 1 else { throw ValidationError("--threads-per-run must be at least 1, got \(threadsPerRun)") }
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1, got \(jobs)") }
    }

    func run() throws {
        let study = try StudyFile.load(file)
        let cores = ProcessInfo.processInfo.activeProcessorCount
        var runner = StudyRunner(study: study, directory: out ?? "outputs/studies/\(study.name)",
                                 jobs: jobs ?? max(1, cores / threadsPerRun), threadsPerRun: threadsPerRun,
                                 executable: StudyCommand.executable)
        runner.log = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
        if dryRun {
            for line in try runner.describe() { print(line) }
            return
        }
        let code = try runner.run()
        if code != 0 { throw ExitCode(code) }
    }
}

/// `flowrl study report DIR`: recomputes the report from the runs as they are now.
struct ReportStudy: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write report.md, report.json and report.png of a study directory (runs still going count as partial).")

    @Argument(help: "Study directory (holds study.json).") var directory: String
    @Flag(help: "Also print report.json to stdout.") var json = false

    func run() throws {
        let layout = StudyLayout(directory: directory)
        let report = try StudyReport.build(layout)
        try report.write(to: layout)
        if json {
            let data = try JSONSerialization.data(withJSONObject: report.json, options: [.prettyPrinted, .sortedKeys])
            FileHandle.standardOutput.write(data + Data("\n".utf8))
        } else {
            print("\(directory)/report.md, report.json, report.png")
        }
    }
}

extension StudyCommand {
    /// This process's own binary, so the runs use exactly the code of the study. On Linux that is
    /// /proc/self/exe itself, not the path it links to: a rebuild (`swift build`) or a copy over
    /// the binary while a study runs replaces the file at that path, and later runs would start the
    /// new code — or nothing, as the link then reads "… (deleted)".
    static var executable: String {
        FileManager.default.isExecutableFile(atPath: "/proc/self/exe") ? "/proc/self/exe" : CommandLine.arguments[0]
    }
}
