//! Generates `include/sxt_auth.h` from the C library's sources (the repository root package) with cbindgen,
//! configured by `cbindgen.toml`, and adds the `SXT_VERSION_*` macros from the workspace version.
//!
//! Usage: `sxt-auth-header [--check] [--out FILE]`
//! * no flag: writes the header (only when its text changed);
//! * `--check`: writes nothing; exits 1 with a message when the committed header differs from what the
//!   sources generate (`make test-header`);
//! * `--out FILE`: writes the header to FILE instead (for comparing by hand).
//!
//! The library's build never runs this: the committed header is the source of truth for C users.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("the repository root");
    let committed = root.join("include").join("sxt_auth.h");
    let mut check = false;
    let mut out = committed.clone();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--check" => check = true,
            "--out" => match args.next() {
                Some(path) => out = PathBuf::from(path),
                None => return usage("--out needs a file"),
            },
            other => return usage(&format!("unknown argument {other:?}")),
        }
    }
    let text = match generate(&root) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("sxt-auth-header: cbindgen failed: {e}");
            return ExitCode::FAILURE;
        }
    };
    let current = std::fs::read(&committed).ok();
    if check {
        if current.as_deref() == Some(&text[..]) {
            println!("include/sxt_auth.h is up to date");
            return ExitCode::SUCCESS;
        }
        eprintln!("include/sxt_auth.h is stale: run `make header` and commit the result");
        return ExitCode::FAILURE;
    }
    if out != committed || current.as_deref() != Some(&text[..]) {
        if let Err(e) = std::fs::write(&out, &text) {
            eprintln!("sxt-auth-header: cannot write {}: {e}", out.display());
            return ExitCode::FAILURE;
        }
        println!("wrote {}", out.display());
    }
    ExitCode::SUCCESS
}

fn generate(root: &std::path::Path) -> Result<Vec<u8>, String> {
    let mut config = cbindgen::Config::from_file(root.join("cbindgen.toml"))?;
    config.after_includes = Some(format!(
        "\n#define SXT_VERSION_MAJOR {}\n#define SXT_VERSION_MINOR {}\n#define SXT_VERSION_PATCH {}\n\
         #define SXT_VERSION_STRING \"{}\"",
        env!("CARGO_PKG_VERSION_MAJOR"),
        env!("CARGO_PKG_VERSION_MINOR"),
        env!("CARGO_PKG_VERSION_PATCH"),
        env!("CARGO_PKG_VERSION"),
    ));
    let mut text = Vec::new();
    cbindgen::Builder::new()
        .with_crate(root)
        .with_config(config)
        .generate()
        .map_err(|e| e.to_string())?
        .write(&mut text);
    Ok(text)
}

fn usage(why: &str) -> ExitCode {
    eprintln!("sxt-auth-header: {why}\nusage: sxt-auth-header [--check] [--out FILE]");
    ExitCode::from(2)
}
