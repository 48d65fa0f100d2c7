//! Generates `include/sxt_auth.h` from the Rust sources with cbindgen (pinned in Cargo.toml), adding the
//! `SXT_VERSION_*` macros from Cargo.toml. The file is rewritten only when its text changes, so the committed
//! header stays byte-identical when nothing changed; CI regenerates it and fails on any difference.

use std::path::PathBuf;

fn main() {
    let dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-changed=src");
    let mut config = cbindgen::Config::from_file(dir.join("cbindgen.toml")).expect("cbindgen.toml");
    let version = |name: &str| std::env::var(name).expect(name);
    config.after_includes = Some(format!(
        "\n#define SXT_VERSION_MAJOR {}\n#define SXT_VERSION_MINOR {}\n#define SXT_VERSION_PATCH {}\n\
         #define SXT_VERSION_STRING \"{}\"",
        version("CARGO_PKG_VERSION_MAJOR"),
        version("CARGO_PKG_VERSION_MINOR"),
        version("CARGO_PKG_VERSION_PATCH"),
        version("CARGO_PKG_VERSION"),
    ));
    let mut text = Vec::new();
    cbindgen::Builder::new()
        .with_crate(&dir)
        .with_config(config)
        .generate()
        .expect("cbindgen could not generate the header")
        .write(&mut text);
    let path = dir.join("include").join("sxt_auth.h");
    if std::fs::read(&path).ok().as_deref() != Some(&text[..]) {
        std::fs::create_dir_all(path.parent().unwrap()).expect("create include/");
        std::fs::write(&path, &text).expect("write include/sxt_auth.h");
    }
}
