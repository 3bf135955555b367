import Foundation
import Model
import NN
import Tensor
import XCTest

/// A scratch directory holding a tiny model (width 16, depth 1), tiny prompt files and a tiny
/// train config, so that the real binary can train in a fraction of a second per iteration.
/// Relative paths in `trainArgs` resolve inside it: run the binary with `cwd: fixture.root`.
struct Fixture {
    let root: URL
    static let model = ModelConfig(width: 16, depth: 1, heads: 2, vocabSize: Tokenizer.vocabSize, maxTextTokens: 12,
                                   mlpRatio: 2, timeFeatures: 8, imageSize: 32, patchSize: 4)

    init() throws {
        root = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("flowrl-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        var rng = RNG(seed: 2)
        try ModelCheckpoint.save(directory: path("base"), config: Fixture.model,
                                 params: VelocityNetwork.initialParameters(Fixture.model, rng: &rng))
        try write("train.txt", "a red circle\ntwo blue squares\na green triangle\n")
        try write("test.txt", "a white square\nthree red circles\n")
        // Settings without a flag (eval sampler) live in the config file; flags override the rest.
        // The algorithm and rollout window are the library's Flow-GRPO ones, written out because
        // `flowrl train`'s default recipe (GRPO-Guard, sde_steps 4, shift 1) would otherwise apply.
        try write("tiny.json", """
            {"base": "base", "train_prompts": "train.txt", "test_prompts": "test.txt", "reward": "aesthetic",
             "algo": "flow-grpo", "sde_steps": 0, "shift": 3,
             "prompts_per_iteration": 2, "group_size": 2, "mini_batch": 2, "steps": 3, "eval_every": 1000,
             "eval_seeds": 1, "eval_steps": 2, "checkpoint_every": 1, "threads": 1}
            """)
    }

    func remove() { try? FileManager.default.removeItem(at: root) }

    func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    func write(_ relative: String, _ text: String) throws {
        try FileManager.default.createDirectory(at: root.appendingPathComponent(relative).deletingLastPathComponent(),
                                                withIntermediateDirectories: true)
        try text.write(toFile: path(relative), atomically: true, encoding: .utf8)
    }

    func write(_ relative: String, bytes: [UInt8]) throws {
        try FileManager.default.createDirectory(at: root.appendingPathComponent(relative).deletingLastPathComponent(),
                                                withIntermediateDirectories: true)
        try Data(bytes).write(to: root.appendingPathComponent(relative))
    }

    /// `flowrl train` on the tiny settings, writing the run `run`.
    func trainArgs(run: String, iterations: Int, extra: [String] = []) -> [String] {
        ["train", "--config", "tiny.json", "--run", run, "--iterations", String(iterations)] + extra
    }

    /// `flowrl pretrain` on a tiny model, checkpointing every step.
    func pretrainArgs(run: String, steps: Int, extra: [String] = []) -> [String] {
        ["pretrain", "--config", "pretrain.json", "--run", run, "--steps", String(steps), "--batch-size", "2",
         "--width", "16", "--depth", "1", "--heads", "2", "--checkpoint-every", "1", "--threads", "1"] + extra
    }

    func writePretrainConfig() throws {
        try write("pretrain.json", #"{"sample_steps": 2, "sample_every": 100000, "log_every": 1}"#)
    }
}

/// Every file and directory under a root with the file contents, to prove a command left
/// nothing behind (no file written, changed or removed).
struct DirectorySnapshot: Equatable {
    var entries: [String: Data?]

    init(_ root: URL) {
        entries = [:]
        let fm = FileManager.default
        guard let e = fm.enumerator(atPath: root.path) else { return }
        while let rel = e.nextObject() as? String {
            var isDir: ObjCBool = false
            _ = fm.fileExists(atPath: root.appendingPathComponent(rel).path, isDirectory: &isDir)
            entries.updateValue(isDir.boolValue ? nil : (fm.contents(atPath: root.appendingPathComponent(rel).path) ?? Data()),
                                forKey: rel)
        }
    }

    /// Paths added, removed or changed from `self` to `other`, for failure messages.
    func difference(to other: DirectorySnapshot) -> [String] {
        Set(entries.keys).union(other.entries.keys).filter { entries[$0] != other.entries[$0] }.sorted()
    }
}
