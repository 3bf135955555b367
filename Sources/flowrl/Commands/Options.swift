import ArgumentParser
import Foundation
import Model
import NN

/// Options shared by the commands that read a model checkpoint.
struct CheckpointOptions: ParsableArguments {
    /// The base `flowrl train` starts from by default (its recipe was measured on it), so that
    /// `sample` and `eval` without --checkpoint show the model a default run improves.
    @Option(name: .long, help: "Model directory (config.json + model.safetensors) or a run directory; the default is the base `flowrl train` starts from.")
    var checkpoint: String = "models/base-curriculum"

    /// Loads the model; a run directory resolves to its exported `model/` subdirectory.
    func load() throws -> (ModelConfig, Parameters) {
        try ModelCheckpoint.load(directory: resolvedDirectory)
    }

    var resolvedDirectory: String { ModelCheckpoint.resolve(checkpoint) }
}

/// Thread count for OpenBLAS and parallel loops.
///
/// Numeric options of every command parse `.unconditional`ly: the next word is the value even when
/// it starts with a dash, so `--steps -5` is rejected as "must be positive" rather than as a
/// missing value.
struct ThreadOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Threads for matrix products (OpenBLAS).")
    var threads: Int = 2

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1, got \(threads)") }
    }
}

/// Reads a prompt file: one caption per line, blank lines and #-comments skipped.
func readPrompts(_ path: String) throws -> [String] {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw ValidationError("prompt file \(path) does not exist")
    }
    let lines = String(decoding: data, as: UTF8.self).split(separator: "\n")
        .map { $0.trimmingCharacters(in: .whitespaces) }
        .filter { !$0.isEmpty && !$0.hasPrefix("#") }
    guard !lines.isEmpty else { throw ValidationError("prompt file \(path) has no prompts") }
    return lines
}
