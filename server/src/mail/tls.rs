//! The TLS client settings mail connections use (IMAP, and SMTP from the first byte): rustls
//! with Mozilla's roots and, for a server whose certificate an internal authority issued, the
//! roots of a PEM file.

use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use std::sync::Arc;
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore};

/// Mozilla's roots and, when given, the certificates of `extra`: the flag that named the PEM
/// file (for messages) and the file's contents.
pub fn client_config(extra: Option<(&str, &[u8])>) -> Result<Arc<ClientConfig>, String> {
    let mut roots = RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some((flag, pem)) = extra {
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(pem)
            .collect::<Result<_, _>>()
            .map_err(|err| format!("{flag}: {err}"))?;
        if certs.is_empty() {
            return Err(format!("{flag}: no PEM certificate in it"));
        }
        for cert in certs {
            roots.add(cert).map_err(|err| format!("{flag}: {err}"))?;
        }
    }
    // ring, the provider lettre's SMTP already builds in this tree: aws-lc-rs (rustls's
    // post-quantum default) would bring a second crypto library and a C toolchain.
    #[allow(deprecated)]
    let provider = rustls::crypto::ring::default_provider();
    let config = ClientConfig::builder_with_provider(Arc::new(provider))
        .with_safe_default_protocol_versions()
        .map_err(|err| format!("TLS: {err}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}
