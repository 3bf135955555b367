import Tensor

/// One named tensor inside the flat parameter buffer.
public struct ParameterInfo: Sendable, Equatable {
    /// Dotted path mirroring the module tree, e.g. `blocks.3.attn.qkv.weight` (also the safetensors key).
    public let name: String
    public let shape: [Int]
    /// Position of the first element in `Parameters.values` / `Parameters.grads`.
    public let offset: Int
    public var count: Int { shape.reduce(1, *) }
}

/// All trainable tensors of a model in one flat buffer, with named views (llm.c style):
/// the optimizer, EMA, gradient clipping and all-reduce are single loops over `values`/`grads`,
/// while layers and checkpoints address tensors by their dotted names.
public struct Parameters: Sendable {
    public private(set) var infos: [ParameterInfo]
    private var indexByName: [String: Int]
    public var values: [Float]
    public var grads: [Float]

    /// Lays out the tensors in the given order. Names must be unique.
    public init(_ specs: [(name: String, shape: [Int])]) {
        var infos: [ParameterInfo] = []
        var index: [String: Int] = [:]
        var offset = 0
        for (name, shape) in specs {
            precondition(index[name] == nil, "duplicate parameter name \(name)")
            index[name] = infos.count
            infos.append(ParameterInfo(name: name, shape: shape, offset: offset))
            offset += shape.reduce(1, *)
        }
        self.infos = infos
        self.indexByName = index
        self.values = [Float](repeating: 0, count: offset)
        self.grads = [Float](repeating: 0, count: offset)
    }

    /// Total number of scalar parameters.
    public var count: Int { values.count }

    public var names: [String] { infos.map(\.name) }

    public func info(_ name: String) -> ParameterInfo? {
        indexByName[name].map { infos[$0] }
    }

    /// The info of a parameter the code itself registered; a missing name is a programmer error.
    public subscript(name: String) -> ParameterInfo {
        guard let i = indexByName[name] else { fatalError("no parameter named \(name)") }
        return infos[i]
    }

    /// A copy of one parameter as a tensor.
    public func tensor(_ name: String) -> Tensor {
        let p = self[name]
        return Tensor(shape: p.shape, data: Array(values[p.offset..<(p.offset + p.count)]))
    }

    /// A copy of one parameter's gradient as a tensor.
    public func gradient(_ name: String) -> Tensor {
        let p = self[name]
        return Tensor(shape: p.shape, data: Array(grads[p.offset..<(p.offset + p.count)]))
    }

    /// Overwrites one parameter; the shape must match.
    public mutating func set(_ name: String, _ t: Tensor) {
        let p = self[name]
        precondition(p.shape == t.shape, "\(name): shape \(t.shape) does not match \(p.shape)")
        values.replaceSubrange(p.offset..<(p.offset + p.count), with: t.data)
    }

    public mutating func zeroGrads() {
        grads.withUnsafeMutableBufferPointer { g in
            g.update(repeating: 0)
        }
    }
}
