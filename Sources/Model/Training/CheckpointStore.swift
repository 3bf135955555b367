import Foundation
import NN
import Tensor

/// A complete training checkpoint: weights, optimizer moments, EMA weights and a JSON state blob
/// (step, seeds, data position: whatever the trainer needs to continue bit-for-bit).
public struct TrainingCheckpoint {
    public var config: ModelConfig
    public var params: Parameters
    public var optimizer: AdamW
    public var ema: EMA
    /// The trainer's own state.json content.
    public var state: Data
    /// Further weight sets of the model's layout that the trainer needs to continue (the forward-process
    /// trainers' soft-updated old policy), saved as `<name>.safetensors`.
    public var extraWeights: [String: [Float]] = [:]

    public init(config: ModelConfig, params: Parameters, optimizer: AdamW, ema: EMA, state: Data,
                extraWeights: [String: [Float]] = [:]) {
        self.config = config; self.params = params; self.optimizer = optimizer; self.ema = ema; self.state = state
        self.extraWeights = extraWeights
    }

    /// Names a checkpoint directory reserves for its own files.
    static let reservedNames: Set<String> = ["model", "ema", "optim"]
}

/// Checkpoints in `RUN/ckpt/step_NNNNNN/` (model, optim and ema safetensors, config.json,
/// state.json and a DONE marker). A checkpoint is built in a hidden temporary directory, every
/// file fsynced, and renamed into place only when complete, so a kill at any moment leaves either
/// the previous checkpoints or the new one, never a half-written one (llm.c's DONE convention).
public enum CheckpointStore {
    public static let doneMarker = "DONE"
    /// The files of a checkpoint directory, as `save` writes them.
    static let fileNames = ["config.json", "model.safetensors", "ema.safetensors", "optim.safetensors", "state.json", doneMarker]

    /// Test hook: `FLOWRL_TEST_SAVE_DELAY_MS=n` pauses n ms (at most 1000) after each file of a
    /// checkpoint, so that the crash-safety test's kills land inside saves. Unset: no pause.
    static let testSaveDelay: UInt32 = {
        let ms = ProcessInfo.processInfo.environment["FLOWRL_TEST_SAVE_DELAY_MS"].flatMap { Int($0) } ?? 0
        return UInt32(max(0, min(ms, 1000)) * 1000)
    }()

    static func pauseForTest() { if testSaveDelay > 0 { usleep(testSaveDelay) } }

    public static func directory(run: String, step: Int) -> String {
        run + "/ckpt/" + String(format: "step_%06d", step)
    }

    /// What a run does at each checkpoint (pretraining and GRPO alike): saves the training state
    /// at `step`, exports the EMA weights as `run/model` (usable as `--checkpoint`), and deletes the
    /// temporaries that a process killed while writing left in the run's directories.
    public static func saveRun(_ run: String, step: Int, _ ckpt: TrainingCheckpoint, ema: Parameters,
                               source: String) throws {
        try save(run: run, step: step, ckpt)
        try ModelCheckpoint.save(directory: run + "/model", config: ckpt.config, params: ema,
                                 metadata: ["step": String(step), "source": source])
        for dir in [run, run + "/model", run + "/grids"] { AtomicFiles.removeLeftovers(in: dir) }
    }

    /// Writes a checkpoint for `step` and keeps only the newest `keep` complete ones.
    @discardableResult
    public static func save(run: String, step: Int, _ ckpt: TrainingCheckpoint, keep: Int = 3) throws -> String {
        let root = run + "/ckpt"
        try AtomicFiles.makeDirectory(root)
        let final = directory(run: run, step: step)
        let tmp = root + "/.tmp-" + String(format: "step_%06d", step) + "-\(getpid())"
        try? FileManager.default.removeItem(atPath: tmp)
        // Registered (directory and every file it will hold) before it exists, so that an exit half
        // way, by error or by signal, removes it (TemporaryFiles); a failed save removes it here.
        let registered = [TemporaryFiles.register(tmp, isDirectory: true)]
            + fileNames.map { TemporaryFiles.register(tmp + "/" + $0) }
        var moved = false
        defer {
            if !moved { try? FileManager.default.removeItem(atPath: tmp) }
            registered.forEach(TemporaryFiles.unregister)
        }
        try AtomicFiles.makeDirectory(tmp)
        let p = ckpt.params
        try AtomicFiles.write(try ModelCheckpoint.encodeConfig(ckpt.config), to: tmp + "/config.json")
        pauseForTest()
        try SafeTensorsFile.write(path: tmp + "/model.safetensors", tensors: ModelCheckpoint.tensors(p.values, infos: p.infos))
        pauseForTest()
        try SafeTensorsFile.write(path: tmp + "/ema.safetensors", tensors: ModelCheckpoint.tensors(ckpt.ema.shadow, infos: p.infos),
                                  metadata: ["updates": String(ckpt.ema.updates), "max_decay": String(ckpt.ema.maxDecay)])
        pauseForTest()
        let o = ckpt.optimizer
        try SafeTensorsFile.write(path: tmp + "/optim.safetensors",
                                  tensors: [("m", Tensor(shape: [o.m.count], data: o.m)), ("v", Tensor(shape: [o.v.count], data: o.v))],
                                  metadata: ["step": String(o.step)])
        pauseForTest()
        for (name, values) in ckpt.extraWeights.sorted(by: { $0.key < $1.key }) {
            precondition(!TrainingCheckpoint.reservedNames.contains(name) && values.count == p.count, "extra weights '\(name)'")
            try SafeTensorsFile.write(path: tmp + "/\(name).safetensors", tensors: ModelCheckpoint.tensors(values, infos: p.infos))
            pauseForTest()
        }
        try AtomicFiles.write(ckpt.state, to: tmp + "/state.json")
        pauseForTest()
        try AtomicFiles.write(Data("step \(step)\n".utf8), to: tmp + "/" + doneMarker)
        try AtomicFiles.fsyncPath(tmp)
        if FileManager.default.fileExists(atPath: final) {
            // Re-saving a step (after a resume): move the old one aside first, rename cannot replace a directory.
            let old = root + "/.old-" + String(format: "step_%06d", step) + "-\(getpid())"
            try FileManager.default.moveItem(atPath: final, toPath: old)
            do {
                try FileManager.default.moveItem(atPath: tmp, toPath: final)
            } catch {
                try? FileManager.default.moveItem(atPath: old, toPath: final)   // keep the step's previous save
                throw error
            }
            moved = true
            try? FileManager.default.removeItem(atPath: old)
        } else {
            try FileManager.default.moveItem(atPath: tmp, toPath: final)
            moved = true
        }
        try AtomicFiles.fsyncPath(root)
        prune(run: run, keep: keep)
        return final
    }

    /// Steps of the complete checkpoints in a run, oldest first.
    public static func completeSteps(run: String) -> [Int] {
        let root = run + "/ckpt"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return names.compactMap { name -> Int? in
            guard name.hasPrefix("step_"), let step = Int(name.dropFirst(5)) else { return nil }
            return FileManager.default.fileExists(atPath: root + "/" + name + "/" + doneMarker) ? step : nil
        }.sorted()
    }

    /// The newest complete checkpoint's directory, if any.
    public static func latest(run: String) -> String? {
        completeSteps(run: run).last.map { directory(run: run, step: $0) }
    }

    /// Loads a checkpoint directory written by `save`; every tensor is checked against `config`.
    public static func load(_ dir: String, optimizerTemplate: AdamW) throws -> TrainingCheckpoint {
        guard FileManager.default.fileExists(atPath: dir + "/" + doneMarker) else {
            throw CheckpointError.corrupt(dir, "no \(doneMarker) marker (incomplete checkpoint)")
        }
        let config = try ModelCheckpoint.readConfig(dir + "/config.json")
        let params = try ModelCheckpoint.loadWeights(dir + "/model.safetensors", config: config)
        var shadow = params.values
        let emaPath = dir + "/ema.safetensors"
        let emaFile: SafeTensorsFile
        do { emaFile = try SafeTensorsFile.read(path: emaPath) } catch { throw CheckpointError.corrupt(emaPath, "\(error)") }
        try ModelCheckpoint.fill(&shadow, infos: params.infos, from: emaFile, path: emaPath)
        var ema = EMA(values: shadow, maxDecay: Float(emaFile.metadata["max_decay"] ?? "") ?? 0.999)
        ema.updates = Int(emaFile.metadata["updates"] ?? "") ?? 0
        let optPath = dir + "/optim.safetensors"
        let optFile: SafeTensorsFile
        do { optFile = try SafeTensorsFile.read(path: optPath) } catch { throw CheckpointError.corrupt(optPath, "\(error)") }
        var opt = optimizerTemplate
        for name in ["m", "v"] {
            guard let t = optFile.tensors[name] else { throw CheckpointError.missingTensor(optPath, name) }
            guard t.shape == [params.count] else {
                throw CheckpointError.wrongShape(optPath, name, expected: [params.count], found: t.shape)
            }
            if name == "m" { opt.m = t.data } else { opt.v = t.data }
        }
        opt.step = Int(optFile.metadata["step"] ?? "") ?? 0
        guard let state = FileManager.default.contents(atPath: dir + "/state.json") else {
            throw CheckpointError.missingFile(dir + "/state.json")
        }
        // Trainers read their step from here and would silently restart at 0 from a damaged one.
        guard (try? JSONSerialization.jsonObject(with: state)) is [String: Any] else {
            throw CheckpointError.corrupt(dir + "/state.json", "not a JSON object")
        }
        // Any further weight set (`<name>.safetensors`) belongs to the trainer, checked like the model's.
        var extra: [String: [Float]] = [:]
        let files = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        for file in files.sorted() where file.hasSuffix(".safetensors") {
            let name = String(file.dropLast(".safetensors".count))
            guard !TrainingCheckpoint.reservedNames.contains(name) else { continue }
            let path = dir + "/" + file
            let f: SafeTensorsFile
            do { f = try SafeTensorsFile.read(path: path) } catch { throw CheckpointError.corrupt(path, "\(error)") }
            var values = params.values
            try ModelCheckpoint.fill(&values, infos: params.infos, from: f, path: path)
            extra[name] = values
        }
        return TrainingCheckpoint(config: config, params: params, optimizer: opt, ema: ema, state: state, extraWeights: extra)
    }

    /// Deletes all but the newest `keep` complete checkpoints and any leftover temporary directories
    /// of processes that were killed while saving.
    static func prune(run: String, keep: Int) {
        let root = run + "/ckpt"
        let steps = completeSteps(run: run)
        for s in steps.dropLast(max(keep, 1)) { try? FileManager.default.removeItem(atPath: directory(run: run, step: s)) }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        for n in names where n.hasPrefix(".tmp-") || n.hasPrefix(".old-") {
            try? FileManager.default.removeItem(atPath: root + "/" + n)
        }
    }
}
