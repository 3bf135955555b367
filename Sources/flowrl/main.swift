import ArgumentParser
import Foundation
import Model

/// `flowrl`: GRPO post-training of a flow-matching image model on a CPU.
/// The executable is thin: each subcommand builds a config and calls the library.
struct FlowRL: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flowrl",
        abstract: "Post-train a flow-matching image model with GRPO and watch for over-optimization.",
        subcommands: [Pretrain.self, Train.self, Sample.self, Eval.self, Score.self, Compare.self, Export.self, Report.self,
                      RewardModelCommand.self, Bench.self, StudyCommand.self])
}

// A run started by `flowrl study run` ends (with a checkpoint) when the study process dies.
ParentWatch.installFromEnvironment()

// One clear line on stderr and a non-zero exit for any error (no usage dump, no stack trace);
// --help and --version still print in full.
do {
    var command = try FlowRL.parseAsRoot()
    try command.run()
} catch let code as ExitCode {
    exit(code.rawValue)   // a command that already said what happened (e.g. interrupted: 130)
} catch {
    let code = FlowRL.exitCode(for: error)
    if code == .success || error is CleanExit {
        FlowRL.exit(withError: error)
    }
    let message = FlowRL.message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
    FileHandle.standardError.write(Data("flowrl: \(message)\n".utf8))
    exit(code.rawValue == 0 ? 1 : code.rawValue)
}
