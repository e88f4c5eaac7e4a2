//! A throwaway PostgreSQL server for tests and benchmarks: `initdb` into a
//! fresh temporary folder, started on a free port with its socket in that
//! folder, one empty database per caller. PostgreSQL refuses to run as root,
//! so as root the server runs as the `postgres` user (`runuser`).
//!
//! The server is watched by a small shell that holds the reading end of a
//! pipe from this process: when this process ends, however it ends, the
//! pipe closes, and the shell stops the server and removes the folder. So a
//! test binary needs no teardown and leaves no server behind.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

pub struct TestCluster {
    dir: PathBuf,
    port: u16,
    /// Its stdin is the pipe whose closing stops the server.
    _watch: Mutex<Child>,
    databases: AtomicUsize,
    create: Mutex<()>,
}

/// The script the watcher runs: `$1` binaries, `$2` folder, `$3` port,
/// `$4` extra server settings.
const WATCH: &str = r#"
bin="$1"; dir="$2"; port="$3"; extra="$4"
if ! "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C --no-sync >"$dir/initdb.log" 2>&1; then
  echo "initdb failed:"; cat "$dir/initdb.log"; exit 1
fi
if ! "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300 $extra" start >/dev/null 2>&1; then
  echo "the server did not start:"; cat "$dir/server.log"; exit 1
fi
echo ready
while read -r _; do :; done
"$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1
rm -rf "$dir"
"#;

impl TestCluster {
    /// The cluster of this process, started on first use. Every caller gets
    /// the same one; if it cannot start, every caller gets the reason.
    pub fn shared() -> Result<&'static TestCluster, String> {
        static SHARED: OnceLock<Result<TestCluster, String>> = OnceLock::new();
        SHARED
            .get_or_init(|| TestCluster::start(&["-c", "fsync=off"]))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Starts a new cluster. `settings` are extra server arguments
    /// (`-c fsync=off` for tests; benchmarks keep the defaults).
    pub fn start(settings: &[&str]) -> Result<TestCluster, String> {
        let bin = server_binaries()?;
        let dir = fresh_dir()?;
        let port = free_port()?;
        let as_root = is_root();
        if as_root {
            // The server's user must own its folder.
            let status = Command::new("chown")
                .arg("postgres:")
                .arg(&dir)
                .status()
                .map_err(|e| format!("cannot run chown: {e}"))?;
            if !status.success() {
                return Err(format!(
                    "cannot give {} to the `postgres` user (is the Debian `postgresql` package installed?)",
                    dir.display()
                ));
            }
        }
        let mut command = if as_root {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--", "sh", "-c", WATCH, "watch"]);
            c
        } else {
            let mut c = Command::new("sh");
            c.args(["-c", WATCH, "watch"]);
            c
        };
        command
            .arg(&bin)
            .arg(&dir)
            .arg(port.to_string())
            .arg(settings.join(" "))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let mut child = command
            .spawn()
            .map_err(|e| format!("cannot start the PostgreSQL watcher: {e}"))?;
        let stdout = child.stdout.take().expect("piped");
        let mut said = String::new();
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap_or_default();
            if line == "ready" {
                return Ok(TestCluster {
                    dir,
                    port,
                    _watch: Mutex::new(child),
                    databases: AtomicUsize::new(0),
                    create: Mutex::new(()),
                });
            }
            said.push_str(&line);
            said.push('\n');
        }
        let _ = child.wait();
        Err(format!(
            "the test PostgreSQL server ({}) could not be started in {}:\n{said}",
            bin.display(),
            dir.display()
        ))
    }

    /// A new, empty database; returns its URL. Callable from async tests.
    pub fn database(&self) -> Result<String, String> {
        super::blocking(|| self.create_database())
    }

    fn create_database(&self) -> Result<String, String> {
        let n = self.databases.fetch_add(1, Ordering::Relaxed);
        let name = format!("test_{n}");
        let _one_at_a_time = self.create.lock().unwrap_or_else(|p| p.into_inner());
        let mut admin = postgres::Client::connect(&self.url("postgres"), postgres::NoTls)
            .map_err(|e| format!("cannot reach the test server: {e}"))?;
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .map_err(|e| format!("cannot create database {name}: {e}"))?;
        Ok(self.url(&name))
    }

    /// The URL of a database on this server, through its unix socket.
    pub fn url(&self, database: &str) -> String {
        let socket: String = self
            .dir
            .display()
            .to_string()
            .replace('%', "%25")
            .replace('/', "%2F");
        format!("postgres://postgres@{socket}:{}/{database}", self.port)
    }

    /// The same server over TCP on 127.0.0.1.
    pub fn tcp_url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// `PG_BIN`, else the newest `/usr/lib/postgresql/<version>/bin` (Debian),
/// else the folder of `initdb` on the PATH.
fn server_binaries() -> Result<PathBuf, String> {
    if let Some(bin) = std::env::var_os("PG_BIN") {
        return Ok(PathBuf::from(bin));
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Ok(bin);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .find(|dir| dir.join("initdb").exists() && dir.join("pg_ctl").exists())
        .ok_or_else(|| {
            "no PostgreSQL server binaries (initdb, pg_ctl) found: install them with \
             `apt-get install -y postgresql`, or set PG_BIN to their folder"
                .to_string()
        })
}

fn fresh_dir() -> Result<PathBuf, String> {
    static N: AtomicUsize = AtomicUsize::new(0);
    let base = std::env::temp_dir();
    loop {
        let dir = base.join(format!(
            "hocvuso-pg-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(format!("cannot make {}: {e}", dir.display())),
        }
    }
}

fn free_port() -> Result<u16, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")
        .map_err(|e| format!("no free port on 127.0.0.1: {e}"))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| e.to_string())
}

fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}
