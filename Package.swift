// swift-tools-version:6.1
import PackageDescription

// Dependency arrows go one way (DESIGN.md §1): Tensor ← NN ← Model ← RL → Rewards → Shapes/Imaging;
// Cluster (rank, size, allreduce) sits under Model and RL and depends on nothing but optional MPI.
let release: [SwiftSetting] = [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]
// Targets that parse what comes from disk or another process (safetensors headers, StrictJSON,
// PNG chunks, captions, reward specs and the external reward protocol) keep Swift's bounds and
// overflow checks in the release binary: plain -O (SwiftPM's release default). Their hot loops
// already run on raw pointers; docs/performance.md has the measured cost.
let checked: [SwiftSetting] = []

let package = Package(
    name: "flowrl",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "flowrl", targets: ["flowrl"]),
    ],
    // `swift build --traits MPI` adds data-parallel training over MPI (README, "Many machines");
    // the default build never looks for MPI.
    traits: [
        .trait(name: "MPI", description: "Data-parallel train/pretrain over MPI (needs libopenmpi-dev)"),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .target(name: "CPNG", path: "Sources/CPNG", linkerSettings: [.linkedLibrary("png16")]),
        .systemLibrary(name: "CMPI", path: "Sources/CMPI", pkgConfig: "ompi-c",
                       providers: [.apt(["libopenmpi-dev", "openmpi-bin"])]),
        .target(name: "Cluster", dependencies: [.target(name: "CMPI", condition: .when(traits: ["MPI"]))],
                swiftSettings: release),
        .target(name: "Tensor", dependencies: ["CBLAS"], swiftSettings: checked),
        .target(name: "NN", dependencies: ["Tensor"], swiftSettings: release),
        .target(name: "Imaging", dependencies: ["CPNG", "Tensor"], swiftSettings: checked),
        .target(name: "Shapes", dependencies: ["Tensor", "Imaging"], swiftSettings: checked),
        .target(name: "Model", dependencies: ["Tensor", "NN", "Shapes", "Imaging", "Cluster", "Tracking"], swiftSettings: release),
        // Event files and HTML reports: file writing, no hot loops, so no -Ounchecked.
        .target(name: "Tracking", dependencies: ["Tensor", "Imaging"]),
        .target(name: "Rewards", dependencies: ["Tensor", "NN", "Shapes", "Imaging"], swiftSettings: checked),
        .target(name: "RL", dependencies: ["Tensor", "NN", "Model", "Rewards", "Shapes", "Imaging", "Cluster", "Tracking"],
                swiftSettings: release),
        // Studies (arms × seeds, intervals): plain statistics and file handling, no hot loops.
        .target(name: "Study", dependencies: ["Tensor", "Imaging", "Model", "Rewards", "RL"]),
        .executableTarget(name: "flowrl",
                          dependencies: ["Tensor", "NN", "Imaging", "Shapes", "Model", "Rewards", "RL", "Cluster", "Tracking", "Study",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser")],
                          swiftSettings: release),
        .testTarget(name: "TensorTests", dependencies: ["Tensor"], resources: [.copy("Fixtures")]),
        .testTarget(name: "NNTests", dependencies: ["Tensor", "NN"]),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging", "Tensor"]),
        .testTarget(name: "ShapesTests", dependencies: ["Shapes", "Imaging", "Tensor"]),
        .testTarget(name: "ModelTests", dependencies: ["Model", "NN", "Tensor", "Shapes", "Imaging"]),
        .testTarget(name: "RewardsTests", dependencies: ["Rewards", "Shapes", "Imaging", "Tensor"]),
        .testTarget(name: "RLTests", dependencies: ["RL", "Model", "NN", "Tensor", "Rewards", "Cluster"],
                    resources: [.copy("Fixtures")]),
        // Helpers more than one test target uses (reading files back with other programs).
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "CLITests", dependencies: ["flowrl", "Model", "NN", "Tensor", "Imaging", "TestSupport"]),
        .testTarget(name: "StudyTests", dependencies: ["Study", "RL", "Model", "Tensor"]),
        .testTarget(name: "TrackingTests", dependencies: ["Tracking", "Imaging", "TestSupport"]),
    ]
)
