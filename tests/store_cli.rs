//! `hocvuso store check | backup | restore` and the refusal to start on a
//! damaged store, as an operator meets them: exit codes and what is printed.

use std::path::Path;
use std::process::{Output, Stdio};

use hocvuso::store::SledStore;
use hocvuso::store::facts::Marker;

use crate::store_harness::{populate, sorted_records};
use crate::support::{hocvuso, repo};

fn store(args: &[&str], data: &Path) -> Output {
    hocvuso("tests/fixtures/good")
        .arg("--areas")
        .arg(repo("areas.toml"))
        .arg("store")
        .args(args)
        .arg("--data")
        .arg(data)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn check_backup_restore_and_a_refusal_with_the_way_back() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    let expected = populate(&data, 30, 5, false);

    let checked = store(&["check"], &data);
    let out = text(&checked);
    assert!(checked.status.success(), "{out}");
    assert!(out.contains("healthy"), "{out}");
    assert!(out.contains("counters equal a recount"), "{out}");
    assert!(out.contains("used invites gave its role"), "{out}");

    let backed = store(&["backup"], &data);
    let out = text(&backed);
    assert!(backed.status.success(), "{out}");
    assert!(out.contains("backup written"), "{out}");
    let backups = root.path().join("data-backups");
    let snapshot = std::fs::read_dir(&backups)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();

    // The store is damaged: `db` is gone.
    std::fs::remove_file(data.join("db")).unwrap();
    let checked = store(&["check"], &data);
    let out = text(&checked);
    assert!(!checked.status.success(), "{out}");
    assert!(out.contains("DAMAGED"), "{out}");
    assert!(
        out.contains(&snapshot.display().to_string()),
        "names the backup: {out}"
    );

    // The bot refuses to start on it, and says how to restore.
    let chat = hocvuso("tests/fixtures/good")
        .args(["chat", "--user", "lan", "--data"])
        .arg(&data)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let out = text(&chat);
    assert!(!chat.status.success(), "{out}");
    assert!(
        out.contains("is damaged, so the bot did not start"),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "hocvuso store restore {} --data {}",
            snapshot.display(),
            data.display()
        )),
        "{out}"
    );

    // Restore: refused while the damaged store is in the way, then forced.
    let refused = store(&["restore", snapshot.to_str().unwrap()], &data);
    assert!(!refused.status.success());
    assert!(text(&refused).contains("--force"), "{}", text(&refused));
    let restored = store(&["restore", snapshot.to_str().unwrap(), "--force"], &data);
    let out = text(&restored);
    assert!(restored.status.success(), "{out}");
    assert!(out.contains("equal a recount"), "{out}");
    {
        let store = SledStore::open(&data).unwrap();
        assert_eq!(sorted_records(&store).unwrap(), expected);
    }

    // The bot on the restored store, stopped normally, leaves the marker
    // saying it was closed cleanly, with what it held at the end.
    let mut chat = hocvuso("tests/fixtures/good")
        .args(["chat", "--user", "lan", "--data"])
        .arg(&data)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut chat.stdin.take().unwrap(), b"1\n").unwrap();
    assert!(chat.wait().unwrap().success());
    let marker = Marker::read(&data).unwrap().unwrap();
    assert!(marker.clean, "{marker:?}");
    let store = SledStore::open(&data).unwrap();
    assert_eq!(store.facts().unwrap(), marker.facts);
}
