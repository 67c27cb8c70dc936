//! Records the commit the server is built from, for `server --version`.

use std::path::PathBuf;
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    Command::new("git")
        .args(args)
        .output()
        .ok()
        .filter(|out| out.status.success())
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_string())
        .filter(|out| !out.is_empty())
}

fn main() {
    // A source tree without git (a release tarball) says so rather than failing the build.
    let commit = git(&["rev-parse", "--short=12", "HEAD"]).unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=DESKSIDE_COMMIT={commit}");
    // Built again when HEAD moves: the HEAD file changes on a checkout, the branch's ref (or
    // the packed refs) on a commit. Only files that exist are named: cargo runs a build
    // script on every build while a named file is missing.
    let mut watched: Vec<PathBuf> = Vec::new();
    if let Some(dir) = git(&["rev-parse", "--absolute-git-dir"]) {
        watched.push(PathBuf::from(&dir).join("HEAD"));
    }
    if let Some(common) = git(&["rev-parse", "--path-format=absolute", "--git-common-dir"]) {
        watched.push(PathBuf::from(&common).join("packed-refs"));
        if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
            // A branch kept only in the packed refs gets its own file on the next commit.
            let file = PathBuf::from(&common).join(&branch);
            match file.parent().filter(|_| !file.exists()) {
                Some(dir) => watched.push(dir.to_path_buf()),
                None => watched.push(file),
            }
        }
    }
    for path in watched.iter().filter(|p| p.exists()) {
        println!("cargo:rerun-if-changed={}", path.display());
    }
    println!("cargo:rerun-if-changed=build.rs");
}
