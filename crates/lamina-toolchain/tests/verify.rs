//! The downloaded uv is verified: an index that serves another file than the one whose sha256
//! Lamina pins gets it refused, and nothing is installed. (A local index on a loopback port.)

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;

/// Serves a PEP 691 page listing one uv wheel, and that wheel's (wrong) bytes.
fn index() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(4) {
            let Ok(mut stream) = stream else { continue };
            let mut request = String::new();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            reader.read_line(&mut request).unwrap();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap() == 0 || line == "\r\n" {
                    break;
                }
            }
            let (kind, body) = if request.contains("/simple/uv/") {
                let name = format!(
                    "uv-{}-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
                    lamina_toolchain::UV_VERSION
                );
                (
                    "application/vnd.pypi.simple.v1+json",
                    format!(r#"{{"files":[{{"filename":"{name}","url":"/files/{name}","hashes":{{"sha256":"00"}}}}]}}"#)
                        .into_bytes(),
                )
            } else {
                (
                    "application/octet-stream",
                    b"PK not the uv you pinned".to_vec(),
                )
            };
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-type: {kind}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(&body);
        }
    });
    format!("http://127.0.0.1:{port}/simple")
}

#[test]
fn a_wheel_with_another_hash_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let target = tmp.path().join("uv");
    let err = lamina_toolchain::download_uv(
        &index(),
        "manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        "d7f459fe4fd247d830351c75686d3996ace3c6f3f728eb0e85a30b7ada0cef19",
        &target,
    )
    .unwrap_err();
    assert!(
        matches!(err, lamina_toolchain::ToolchainError::Hash { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("refusing it"), "{err}");
    assert!(!target.exists(), "nothing is installed");
}

/// The wheel's `uv` dependency is the uv Lamina pins.
#[test]
fn the_wheel_depends_on_the_pinned_uv() {
    let pyproject = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../lamina/pyproject.toml"),
    )
    .unwrap();
    assert!(
        pyproject.contains(&format!("\"uv=={}\"", lamina_toolchain::UV_VERSION)),
        "crates/lamina/pyproject.toml must depend on uv=={}",
        lamina_toolchain::UV_VERSION
    );
}
