// swift-tools-version:6.0
//
// SxtAuth: Swift binding of the sxt-auth C library (include/sxt_auth.h).
//
// The manifest carries no linker or include paths (no `unsafeFlags`), so it can be used as a versioned
// dependency. Tell the build where the library is on the command line, for example from the repository root:
//
//   cargo build --lib
//   swift build --package-path bindings/swift -Xlinker -L$PWD/target/debug -Xcc -I$PWD/include
//   LD_LIBRARY_PATH=$PWD/target/debug swift test --package-path bindings/swift -Xlinker -L$PWD/target/debug
//
// or install the library with scripts/install.sh: the C module then finds it through pkg-config (`sxt-auth`).
import PackageDescription

let package = Package(
    name: "SxtAuth",
    platforms: [.macOS(.v13), .iOS(.v16)],
    products: [
        .library(name: "SxtAuth", targets: ["SxtAuth"]),
    ],
    targets: [
        // The C API, imported as a clang module. Its module map links `-lsxt_auth`.
        .systemLibrary(name: "CSxtAuth", path: "Sources/CSxtAuth", pkgConfig: "sxt-auth"),
        // The Swift API over it.
        .target(name: "SxtAuth", dependencies: ["CSxtAuth"], path: "Sources/SxtAuth"),
        .testTarget(name: "SxtAuthTests", dependencies: ["SxtAuth", "CSxtAuth"], path: "Tests/SxtAuthTests"),
    ]
)
