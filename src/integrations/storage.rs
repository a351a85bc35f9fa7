//! Document storage.
//!
//! Uploaded documents (degree certificate, national card scans, photos) are
//! kept as opaque objects in a [`DocumentStore`]: a local folder by default, or
//! an S3-compatible bucket when the service is scaled out. Both go through the
//! [`object_store`] crate.
//!
//! Rules enforced by the helpers of this module:
//!
//! * the content type is sniffed from the bytes ([`sniff`]); only PDF, JPEG and
//!   PNG are accepted, whatever the file name or the declared type says;
//! * the SHA-256 of the bytes is kept ([`sha256_hex`]);
//! * the storage key is derived from the document id only ([`document_key`]);
//!   the original file name is cleaned up for display ([`display_file_name`])
//!   and offered back on download through a safe `Content-Disposition` header
//!   ([`content_disposition`]), but it never becomes part of a storage path.

use std::fmt::Write as _;
use std::sync::Arc;

use anyhow::{Context as _, bail};
use bytes::Bytes;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt as _, PutPayload};
use sha2::{Digest as _, Sha256};

/// Where documents are kept: a folder, or an S3-compatible bucket.
#[derive(Clone)]
pub struct DocumentStore {
    inner: Arc<dyn ObjectStore>,
}

impl std::fmt::Debug for DocumentStore {
    // Only the `Display` of the backend (its kind and folder or bucket), so
    // that credentials can never end up in a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DocumentStore")
            .field("inner", &format_args!("{}", self.inner))
            .finish()
    }
}

impl DocumentStore {
    /// A local folder (created if missing), via
    /// [`object_store::local::LocalFileSystem::new_with_prefix`].
    pub fn local(dir: &std::path::Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("creating the document folder {}", dir.display()))?;
        let store = object_store::local::LocalFileSystem::new_with_prefix(dir)
            .with_context(|| format!("opening the document folder {}", dir.display()))?;
        Ok(Self {
            inner: Arc::new(store),
        })
    }

    /// An S3-compatible bucket, via [`object_store::aws::AmazonS3Builder`].
    ///
    /// `endpoint` is the URL of a non-AWS service (MinIO, Ceph, …); path-style
    /// requests are used, and plain `http://` is allowed when the endpoint says
    /// so. Nothing is read from the environment and no request is made here:
    /// a wrong bucket or wrong credentials show up on the first `put`/`get`.
    pub fn s3(
        bucket: &str,
        endpoint: Option<&str>,
        region: &str,
        access_key_id: &str,
        secret_access_key: &str,
    ) -> anyhow::Result<Self> {
        if bucket.trim().is_empty() {
            bail!("the S3 bucket name is empty");
        }
        if access_key_id.is_empty() || secret_access_key.is_empty() {
            bail!("the S3 access key id or secret access key is empty");
        }
        let mut builder = object_store::aws::AmazonS3Builder::new()
            .with_bucket_name(bucket)
            .with_access_key_id(access_key_id)
            .with_secret_access_key(secret_access_key);
        if !region.trim().is_empty() {
            builder = builder.with_region(region);
        }
        if let Some(endpoint) = endpoint.map(str::trim).filter(|e| !e.is_empty()) {
            let allow_http = endpoint
                .get(..7)
                .is_some_and(|scheme| scheme.eq_ignore_ascii_case("http://"));
            builder = builder
                .with_endpoint(endpoint)
                .with_allow_http(allow_http)
                .with_virtual_hosted_style_request(false);
        }
        let store = builder
            .build()
            .with_context(|| format!("configuring the S3 bucket {bucket}"))?;
        Ok(Self {
            inner: Arc::new(store),
        })
    }

    /// In memory (tests).
    pub fn in_memory() -> Self {
        Self {
            inner: Arc::new(object_store::memory::InMemory::new()),
        }
    }

    /// Stores `bytes` under a key of ours (see [`document_key`]), replacing
    /// whatever was there. Keys with empty, `.` or `..` segments or control
    /// characters are refused.
    pub async fn put(&self, key: &str, bytes: Bytes) -> anyhow::Result<()> {
        let path = object_path(key)?;
        self.inner
            .put(&path, PutPayload::from_bytes(bytes))
            .await
            .with_context(|| format!("storing document {key}"))?;
        Ok(())
    }

    /// Reads the bytes back. A missing key is an error (its source is
    /// [`object_store::Error::NotFound`]).
    pub async fn get(&self, key: &str) -> anyhow::Result<Bytes> {
        let path = object_path(key)?;
        let bytes = async { self.inner.get(&path).await?.bytes().await }
            .await
            .with_context(|| format!("reading document {key}"))?;
        Ok(bytes)
    }

    /// Deletes (a missing key is not an error).
    pub async fn delete(&self, key: &str) -> anyhow::Result<()> {
        let path = object_path(key)?;
        match self.inner.delete(&path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e).with_context(|| format!("deleting document {key}")),
        }
    }
}

/// Parses one of our keys into an object-store path, refusing anything odd.
fn object_path(key: &str) -> anyhow::Result<ObjectPath> {
    if key.is_empty() || key.starts_with('/') || key.ends_with('/') {
        bail!("invalid document key {key:?}");
    }
    ObjectPath::parse(key).with_context(|| format!("invalid document key {key:?}"))
}

/// The storage key of a document: derived from its id only, never from the
/// file name: `documents/<first two hex chars of id>/<id>`.
pub fn document_key(id: uuid::Uuid) -> String {
    let id = id.as_hyphenated().to_string();
    let shard = id.get(..2).unwrap_or("00");
    format!("documents/{shard}/{id}")
}

/// The content type sniffed from the bytes: `Some("application/pdf" |
/// "image/jpeg" | "image/png")`, `None` for anything else (executables, zip,
/// text, empty). File names and declared types play no part.
///
/// Uses the `infer` crate; a PDF must moreover start with `%PDF-` (infer
/// accepts the marker anywhere in the first KiB, which would let a script or
/// HTML page with `%PDF` in a comment pass).
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    match infer::get(bytes)?.mime_type() {
        "application/pdf" if bytes.starts_with(b"%PDF-") => Some("application/pdf"),
        "image/jpeg" => Some("image/jpeg"),
        "image/png" => Some("image/png"),
        _ => None,
    }
}

/// Lower-case hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut hex = String::with_capacity(digest.len() * 2);
    for b in digest {
        // Writing to a String cannot fail.
        let _ = write!(hex, "{b:02x}");
    }
    hex
}

/// The longest display name kept, in characters.
const MAX_DISPLAY_NAME_CHARS: usize = 200;

/// The longest extension (dot included) kept when a name is cut.
const MAX_EXTENSION_CHARS: usize = 16;

/// The name to keep for display (R6): the last path component (split on both
/// `/` and `\`), without control characters (NUL included) nor bidirectional
/// override/isolate characters (U+202A–U+202E, U+2066–U+2069, used to disguise
/// extensions), whitespace trimmed and leading dots removed, cut to at most
/// 200 characters keeping the extension if there is one; an empty result
/// gives `"document"`. Persian letters (and the zero-width non-joiner they
/// need) are kept.
pub fn display_file_name(raw: &str) -> String {
    let last = raw
        .split(['/', '\\'])
        .map(clean_component)
        .rfind(|c| !c.is_empty())
        .unwrap_or_default();
    if last.is_empty() {
        return "document".to_owned();
    }
    if last.chars().count() <= MAX_DISPLAY_NAME_CHARS {
        return last;
    }
    let (stem, ext) = match last.rfind('.') {
        Some(dot) if dot > 0 && last[dot..].chars().count() <= MAX_EXTENSION_CHARS => {
            (&last[..dot], &last[dot..])
        }
        _ => (last.as_str(), ""),
    };
    let keep = MAX_DISPLAY_NAME_CHARS - ext.chars().count();
    let stem: String = stem.chars().take(keep).collect();
    let name = format!("{}{ext}", stem.trim_end());
    if name.is_empty() {
        "document".to_owned()
    } else {
        name
    }
}

/// One path component, cleaned: no control or bidi-override characters, no
/// surrounding whitespace, no leading dots.
fn clean_component(component: &str) -> String {
    let kept: String = component
        .chars()
        .filter(|&c| !c.is_control() && !is_bidi_control(c))
        .collect();
    kept.trim_start_matches(|c: char| c == '.' || c.is_whitespace())
        .trim_end()
        .to_owned()
}

/// Explicit bidirectional embedding/override/isolate characters.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// A safe `Content-Disposition` header value for a download:
/// `attachment; filename="<ASCII fallback>"; filename*=UTF-8''<RFC 5987 encoding>`.
///
/// In the fallback, non-ASCII characters, quotes, backslashes and control
/// characters are replaced by `_`; the extended value percent-encodes every
/// UTF-8 byte outside the RFC 5987 `attr-char` set. The result is pure
/// printable ASCII, so it is always a valid header value. An empty name gives
/// `document`.
pub fn content_disposition(file_name: &str) -> String {
    let name = if file_name.is_empty() {
        "document"
    } else {
        file_name
    };
    let fallback: String = name
        .chars()
        .map(|c| {
            if c.is_ascii() && !c.is_ascii_control() && c != '"' && c != '\\' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::with_capacity(name.len() * 3);
    for &b in name.as_bytes() {
        if is_attr_char(b) {
            encoded.push(char::from(b));
        } else {
            // Writing to a String cannot fail.
            let _ = write!(encoded, "%{b:02X}");
        }
    }
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

/// RFC 5987 `attr-char`: ALPHA / DIGIT / "!" / "#" / "$" / "&" / "+" / "-" /
/// "." / "^" / "_" / "`" / "|" / "~".
fn is_attr_char(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'!' | b'#' | b'$' | b'&' | b'+' | b'-' | b'.' | b'^' | b'_' | b'`' | b'|' | b'~'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    const PDF: &[u8] = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n";
    const PNG: &[u8] = &[
        0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, // signature
        0x00, 0x00, 0x00, 0x0D, b'I', b'H', b'D', b'R', // IHDR chunk start
        0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00, 0x00,
    ];
    const JPEG: &[u8] = &[
        0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00, 0x01, 0x01, 0x00, 0x00,
        0x01, 0x00, 0x01, 0x00, 0x00,
    ];
    const ELF: &[u8] = &[
        0x7F, b'E', b'L', b'F', 0x02, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x02, 0x00, 0x3E, 0x00, 0x01, 0x00, 0x00, 0x00,
    ];

    async fn round_trip(store: &DocumentStore) {
        let key = document_key(uuid::Uuid::new_v4());
        let body = Bytes::from_static(PDF);
        store.put(&key, body.clone()).await.unwrap();
        assert_eq!(store.get(&key).await.unwrap(), body);

        // Overwrite.
        store.put(&key, Bytes::from_static(PNG)).await.unwrap();
        assert_eq!(store.get(&key).await.unwrap(), Bytes::from_static(PNG));

        store.delete(&key).await.unwrap();
        let err = store.get(&key).await.unwrap_err();
        assert!(
            matches!(
                err.downcast_ref::<object_store::Error>(),
                Some(object_store::Error::NotFound { .. })
            ),
            "{err:#}"
        );
        // Deleting again (missing) is fine.
        store.delete(&key).await.unwrap();
    }

    #[tokio::test]
    async fn in_memory_round_trip() {
        round_trip(&DocumentStore::in_memory()).await;
    }

    #[tokio::test]
    async fn local_round_trip_in_a_fresh_folder() {
        let dir = std::env::temp_dir().join(format!("storage-test-{}", uuid::Uuid::new_v4()));
        // `local` creates the folder (and its parents).
        let nested = dir.join("a").join("b");
        let store = DocumentStore::local(&nested).unwrap();
        round_trip(&store).await;

        // The file lands at the key, under the folder.
        let id = uuid::Uuid::new_v4();
        let key = document_key(id);
        store.put(&key, Bytes::from_static(JPEG)).await.unwrap();
        let on_disk = nested.join(&key);
        assert_eq!(std::fs::read(&on_disk).unwrap(), JPEG);
        // Reopening the existing folder works and sees the document.
        let again = DocumentStore::local(&nested).unwrap();
        assert_eq!(again.get(&key).await.unwrap(), Bytes::from_static(JPEG));
        again.delete(&key).await.unwrap();
        assert!(!on_disk.exists());

        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn get_of_a_missing_key_is_an_error() {
        let store = DocumentStore::in_memory();
        assert!(store.get("documents/00/nothing-here").await.is_err());
    }

    #[tokio::test]
    async fn odd_keys_are_refused() {
        let store = DocumentStore::in_memory();
        for key in [
            "",
            "/abs",
            "documents/../x",
            "a//b",
            "a/./b",
            "trailing/",
            "nul\0",
        ] {
            assert!(
                store.put(key, Bytes::from_static(PDF)).await.is_err(),
                "{key:?}"
            );
            assert!(store.get(key).await.is_err(), "{key:?}");
            assert!(store.delete(key).await.is_err(), "{key:?}");
        }
    }

    #[test]
    fn futures_are_send() {
        fn assert_send<T: Send>(_: &T) {}
        let store = DocumentStore::in_memory();
        let put = store.put("k", Bytes::new());
        assert_send(&put);
        let get = store.get("k");
        assert_send(&get);
        let delete = store.delete("k");
        assert_send(&delete);
        fn assert_send_sync<T: Send + Sync + Clone + 'static>() {}
        assert_send_sync::<DocumentStore>();
    }

    #[test]
    fn s3_builder_accepts_an_endpoint_config() {
        let store = DocumentStore::s3(
            "officer-documents",
            Some("http://127.0.0.1:9000"),
            "us-east-1",
            "minioadmin",
            "minioadmin-secret",
        )
        .unwrap();
        let debug = format!("{store:?}");
        assert!(debug.contains("officer-documents"), "{debug}");
        assert!(!debug.contains("minioadmin-secret"), "{debug}");

        assert!(
            DocumentStore::s3(
                "officer-documents",
                Some("https://s3.example.ir"),
                "",
                "id",
                "secret",
            )
            .is_ok()
        );
        assert!(DocumentStore::s3("officer-documents", None, "eu-west-1", "id", "secret").is_ok());
        assert!(DocumentStore::s3("", None, "us-east-1", "id", "secret").is_err());
        assert!(DocumentStore::s3("b", None, "us-east-1", "", "secret").is_err());
    }

    #[test]
    fn document_key_uses_only_the_id() {
        let id = uuid::Uuid::parse_str("ab12cd34-0000-4000-8000-000000000001").unwrap();
        assert_eq!(
            document_key(id),
            "documents/ab/ab12cd34-0000-4000-8000-000000000001"
        );
        assert!(ObjectPath::parse(document_key(uuid::Uuid::new_v4())).is_ok());
    }

    #[test]
    fn sniff_accepts_pdf_png_jpeg() {
        assert_eq!(sniff(PDF), Some("application/pdf"));
        assert_eq!(sniff(PNG), Some("image/png"));
        assert_eq!(sniff(JPEG), Some("image/jpeg"));
    }

    #[test]
    fn sniff_refuses_everything_else() {
        assert_eq!(sniff(ELF), None);
        assert_eq!(
            sniff(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xFF\xFF\x00\x00"),
            None
        );
        assert_eq!(sniff(b"PK\x03\x04\x14\x00\x00\x00\x08\x00"), None);
        assert_eq!(sniff(b"just some plain text, not a document\n"), None);
        assert_eq!(sniff(b""), None);
        assert_eq!(sniff(b"%PD"), None);
        // `%PDF` somewhere other than the start (infer alone would say PDF).
        assert_eq!(sniff(b"#!/bin/sh\n# %PDF-1.4\nrm -rf /\n"), None);
        assert_eq!(sniff(b"<html><!-- %PDF-1.4 --></html>"), None);
    }

    #[test]
    fn sniff_ignores_the_file_name() {
        // An upload called "مدرک.pdf" whose bytes are an ELF executable: only
        // the bytes are looked at, and they are refused.
        let (name, bytes) = ("مدرک.pdf", ELF);
        assert!(name.ends_with(".pdf"));
        assert_eq!(sniff(bytes), None);
    }

    #[test]
    fn sha256_of_abc() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn display_file_name_cleans_up() {
        assert_eq!(display_file_name("../../etc/passwd"), "passwd");
        assert_eq!(
            display_file_name("C:\\Users\\x\\مدرک تحصیلی.pdf"),
            "مدرک تحصیلی.pdf"
        );
        let evil = display_file_name("\u{0}evil\n.pdf");
        assert!(!evil.chars().any(char::is_control), "{evil:?}");
        assert_eq!(evil, "evil.pdf");
        assert_eq!(display_file_name(""), "document");
        assert_eq!(display_file_name("   "), "document");
        assert_eq!(display_file_name(".."), "document");
        assert_eq!(display_file_name("a/b/"), "b");
        assert_eq!(display_file_name("  ..hidden.png  "), "hidden.png");
        assert_eq!(display_file_name("\u{7f}\u{85}x.jpg"), "x.jpg");
        // Bidi override used to disguise an extension.
        assert_eq!(display_file_name("photo\u{202E}gpj.exe"), "photogpj.exe");
        // Persian zero-width non-joiner is kept.
        assert_eq!(
            display_file_name("کارت\u{200C}ملی.png"),
            "کارت\u{200C}ملی.png"
        );
    }

    #[test]
    fn display_file_name_is_cut_to_200_chars_keeping_the_extension() {
        let long = format!("{}.pdf", "a".repeat(496));
        assert_eq!(long.chars().count(), 500);
        let cut = display_file_name(&long);
        assert_eq!(cut.chars().count(), 200);
        assert!(cut.ends_with(".pdf"), "{cut}");

        // Multi-byte letters are counted as characters, not bytes.
        let persian = format!("{}.png", "م".repeat(300));
        let cut = display_file_name(&persian);
        assert_eq!(cut.chars().count(), 200);
        assert!(cut.ends_with("م.png"));

        // No extension: plain cut.
        assert_eq!(display_file_name(&"x".repeat(500)).chars().count(), 200);
    }

    #[test]
    fn content_disposition_is_safe_ascii() {
        let value = content_disposition("مدرک \"تحصیلی\".pdf");
        assert!(value.is_ascii(), "{value}");
        assert!(!value.bytes().any(|b| b.is_ascii_control()), "{value}");
        assert!(value.starts_with("attachment; filename=\""), "{value}");
        assert!(value.contains("; filename*=UTF-8''"), "{value}");

        let rest = value.strip_prefix("attachment; filename=\"").unwrap();
        let (fallback, ext) = rest.split_once("\"; filename*=UTF-8''").unwrap();
        assert!(!fallback.contains('"'), "{fallback}");
        assert!(!fallback.contains('\\'), "{fallback}");
        assert!(fallback.ends_with(".pdf"), "{fallback}");
        assert!(ext.starts_with("%D9%85%D8%AF%D8%B1%DA%A9%20%22"), "{ext}");
        assert!(ext.ends_with("%22.pdf"), "{ext}");
    }

    #[test]
    fn content_disposition_encodes_by_hand() {
        assert_eq!(
            content_disposition("a b\\c\r\n;d'e%.pdf"),
            "attachment; filename=\"a b_c__;d'e%.pdf\"; \
             filename*=UTF-8''a%20b%5Cc%0D%0A%3Bd%27e%25.pdf"
        );
        assert_eq!(
            content_disposition("!#$&+-.^_`|~Az9"),
            "attachment; filename=\"!#$&+-.^_`|~Az9\"; filename*=UTF-8''!#$&+-.^_`|~Az9"
        );
        assert_eq!(
            content_disposition(""),
            "attachment; filename=\"document\"; filename*=UTF-8''document"
        );
    }
}
