//! End-to-end tests of the `dmipy` binary on the bundled real data.

mod csd;
mod demo;
mod fit;
mod info;
mod predict;
mod response;
mod sample;
mod simulate;
mod track;

use std::path::PathBuf;
use std::process::{Command, Output};

/// The repository's bundled data folder.
pub fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/dipy")
        .join(name)
}

/// Runs `dmipy ARGS` with `stdin` as standard input.
pub fn dmipy(args: &[&str], stdin: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_dmipy"))
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the dmipy binary starts");
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(stdin.as_bytes())
        .expect("stdin accepts the input");
    child.wait_with_output().expect("dmipy finishes")
}

/// Standard output of a run that must succeed.
pub fn ok(output: Output) -> String {
    assert!(
        output.status.success(),
        "dmipy failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("output is UTF-8")
}

/// Standard error of a run that must fail.
pub fn fails(output: Output) -> String {
    assert!(!output.status.success(), "dmipy should have failed");
    String::from_utf8(output.stderr).expect("errors are UTF-8")
}
