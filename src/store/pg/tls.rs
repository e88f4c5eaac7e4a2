//! TLS toward PostgreSQL through rustls (never OpenSSL): the Mozilla roots,
//! plus the certificates in `PGSSLROOTCERT` (libpq's variable) for a
//! server signed by the operator's own authority.
//!
//! With `sslmode=require` the certificate is always verified against these
//! roots and the host name (rustls does not skip verification); `prefer`
//! (the default) uses TLS when the server offers it; unix sockets never use it.

use std::sync::Arc;

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use tokio_postgres_rustls::MakeRustlsConnect;

pub(super) fn connector() -> Result<MakeRustlsConnect, String> {
    let mut roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    if let Some(path) = std::env::var_os("PGSSLROOTCERT").filter(|p| !p.is_empty()) {
        let shown = std::path::Path::new(&path).display().to_string();
        let certs = CertificateDer::pem_file_iter(&path)
            .map_err(|e| format!("cannot read PGSSLROOTCERT {shown}: {e}"))?;
        let mut added = 0;
        for cert in certs {
            let cert = cert.map_err(|e| format!("PGSSLROOTCERT {shown}: {e}"))?;
            roots
                .add(cert)
                .map_err(|e| format!("PGSSLROOTCERT {shown}: {e}"))?;
            added += 1;
        }
        if added == 0 {
            return Err(format!("PGSSLROOTCERT {shown} holds no certificate"));
        }
    }
    // The provider is named, not taken from a process default, so another
    // crate installing one cannot change what this connection uses.
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| format!("TLS set-up failed: {e}"))?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}
