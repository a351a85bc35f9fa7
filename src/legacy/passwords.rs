//! Password hashes of the old ASP.NET system: checking them, and keeping them in our
//! `users.password_hash` column until the first successful login upgrades them to argon2id.
//!
//! Three formats come in the export (DESIGN §3.1):
//! - `ASPNET_MEMBERSHIP_SHA1` (the `SqlMembershipProvider`, `passwordFormat="Hashed"`):
//!   `base64(SHA1(salt bytes ++ UTF-16LE password))`, the salt base64 in its own column;
//! - `ASPNET_IDENTITY_V2`: `base64(0x00 | salt 16 | PBKDF2-HMAC-SHA1(1000 iterations, 32 bytes))`;
//! - `ASPNET_IDENTITY_V3`: `base64(0x01 | prf | iterations | salt length | salt | subkey)`
//!   with big-endian `u32` header fields, prf 0 = HMAC-SHA1, 1 = HMAC-SHA256,
//!   2 = HMAC-SHA512, and the subkey the rest of the blob.
//!
//! The two Identity formats are one family: like ASP.NET's own `PasswordHasher`, we read the
//! version from the first byte of the blob, so a row whose `password_format` column names
//! the other Identity version still verifies.
//!
//! Every check compares in constant time ([`subtle`]) and answers `false`, never panics, on
//! malformed input. PBKDF2 work is bounded ([`MAX_ITERATIONS`], [`MAX_SUBKEY_BYTES`]) so a
//! crafted row cannot burn CPU at login.
//!
//! In `users.password_hash` a legacy hash is kept as text that argon2's PHC strings
//! (`$argon2id$...`) can never be mistaken for:
//! `legacy:aspnet-sha1:<salt_b64>:<hash_b64>`, `legacy:aspnet-v2:<hash_b64>` or
//! `legacy:aspnet-v3:<hash_b64>` (standard base64 has no `:`). See [`encode_stored`] and
//! [`verify_stored`].

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use sha1::{Digest, Sha1};
use sha2::{Sha256, Sha512};
use subtle::ConstantTimeEq;

/// Highest PBKDF2 iteration count accepted in an Identity v3 blob. ASP.NET's defaults are
/// 10,000 (SHA-256) and, since .NET 7, 100,000 (SHA-512).
pub const MAX_ITERATIONS: u32 = 1_000_000;
/// Longest Identity v3 subkey accepted, in bytes (ASP.NET writes 32).
pub const MAX_SUBKEY_BYTES: usize = 64;
/// Shortest Identity v3 salt and subkey, in bytes (ASP.NET refuses shorter ones too).
pub const MIN_V3_BYTES: usize = 16;
/// Longest Identity v3 salt accepted, in bytes (ASP.NET writes 16).
pub const MAX_SALT_BYTES: usize = 256;
/// Longest base64 text accepted for a hash or a salt, in characters.
pub const MAX_BASE64_CHARS: usize = 1024;
/// Prefix of a legacy hash in `users.password_hash`.
pub const STORED_PREFIX: &str = "legacy:";

/// Iterations of Identity v2 (PBKDF2-HMAC-SHA1, as `Rfc2898DeriveBytes` defaults to).
const V2_ITERATIONS: u32 = 1000;
/// Salt length of Identity v2, in bytes.
const V2_SALT_BYTES: usize = 16;
/// Subkey length of Identity v2, in bytes.
const V2_SUBKEY_BYTES: usize = 32;
/// Length of the Identity v3 header: marker, prf, iterations, salt length.
const V3_HEADER_BYTES: usize = 13;
/// Length of a SHA-1 digest, in bytes.
const SHA1_BYTES: usize = 20;

/// Base64 as `Convert.FromBase64String` reads it: the standard alphabet, padding optional.
const LENIENT_BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// The hash format of a legacy account (`password_format` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LegacyFormat {
    /// `ASPNET_MEMBERSHIP_SHA1`: SHA-1 of the salt bytes and the UTF-16LE password.
    AspNetMembershipSha1,
    /// `ASPNET_IDENTITY_V2`: PBKDF2-HMAC-SHA1, 1,000 iterations, salt inside the blob.
    AspNetIdentityV2,
    /// `ASPNET_IDENTITY_V3`: PBKDF2 with the prf, iterations and salt given in the blob.
    AspNetIdentityV3,
}

impl LegacyFormat {
    /// Every format, in the order of the export's documentation.
    pub const ALL: [Self; 3] = [
        Self::AspNetMembershipSha1,
        Self::AspNetIdentityV2,
        Self::AspNetIdentityV3,
    ];

    /// The value of the `password_format` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AspNetMembershipSha1 => "ASPNET_MEMBERSHIP_SHA1",
            Self::AspNetIdentityV2 => "ASPNET_IDENTITY_V2",
            Self::AspNetIdentityV3 => "ASPNET_IDENTITY_V3",
        }
    }

    /// Parses a `password_format` value (surrounding spaces and letter case ignored).
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        Self::ALL
            .into_iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(s))
    }

    /// Whether the salt comes in its own column (only Membership SHA-1).
    pub fn has_salt_column(self) -> bool {
        self == Self::AspNetMembershipSha1
    }
}

/// The pseudo-random function of an Identity v3 blob (`KeyDerivationPrf`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prf {
    /// 0: HMAC-SHA1.
    HmacSha1,
    /// 1: HMAC-SHA256.
    HmacSha256,
    /// 2: HMAC-SHA512.
    HmacSha512,
}

impl Prf {
    /// The number stored in the blob.
    pub fn code(self) -> u32 {
        match self {
            Self::HmacSha1 => 0,
            Self::HmacSha256 => 1,
            Self::HmacSha512 => 2,
        }
    }

    /// Parses the number stored in the blob.
    pub fn from_code(code: u32) -> Option<Self> {
        match code {
            0 => Some(Self::HmacSha1),
            1 => Some(Self::HmacSha256),
            2 => Some(Self::HmacSha512),
            _ => None,
        }
    }

    /// PBKDF2 with this prf; `out` is filled completely.
    fn derive(self, password: &[u8], salt: &[u8], iterations: u32, out: &mut [u8]) {
        let rounds = iterations.max(1);
        match self {
            Self::HmacSha1 => pbkdf2::pbkdf2_hmac::<Sha1>(password, salt, rounds, out),
            Self::HmacSha256 => pbkdf2::pbkdf2_hmac::<Sha256>(password, salt, rounds, out),
            Self::HmacSha512 => pbkdf2::pbkdf2_hmac::<Sha512>(password, salt, rounds, out),
        }
    }
}

/// Why a legacy hash cannot be imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordError {
    /// The `password_format` value is none of the three.
    UnknownFormat,
    /// The hash column is empty.
    MissingHash,
    /// The salt column is empty although the format needs it.
    MissingSalt,
    /// The hash or the salt does not have the shape of its format (the text says which).
    Malformed(&'static str),
}

impl PasswordError {
    /// English explanation.
    pub fn message(self) -> &'static str {
        match self {
            Self::UnknownFormat => {
                "password_format must be ASPNET_MEMBERSHIP_SHA1, ASPNET_IDENTITY_V2 or ASPNET_IDENTITY_V3"
            }
            Self::MissingHash => "the password hash is empty",
            Self::MissingSalt => "the password salt is empty (ASPNET_MEMBERSHIP_SHA1 needs it)",
            Self::Malformed(why) => why,
        }
    }

    /// Persian explanation.
    pub fn message_fa(self) -> &'static str {
        match self {
            Self::UnknownFormat => "قالب رمز عبور (password_format) شناخته‌شده نیست",
            Self::MissingHash => "درهم‌شدهٔ رمز عبور خالی است",
            Self::MissingSalt => "نمک رمز عبور (password_salt) خالی است",
            Self::Malformed(_) => "درهم‌شدهٔ رمز عبور قالب درستی ندارد",
        }
    }
}

/// A legacy password hash as it came in the export, checked for shape (not for a password).
#[derive(Clone, PartialEq, Eq)]
pub struct LegacyPassword {
    /// The format. For the Identity family this is the version the blob itself says.
    pub format: LegacyFormat,
    /// The hash, base64 (trimmed).
    pub hash_b64: String,
    /// The salt, base64 (trimmed): only for Membership SHA-1.
    pub salt_b64: Option<String>,
}

impl std::fmt::Debug for LegacyPassword {
    /// Leaves the hash and the salt out of logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LegacyPassword")
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}

impl LegacyPassword {
    /// Checks the three password columns of a row: a known format, a hash of the right shape
    /// and, for Membership SHA-1, a salt. A salt given for an Identity format is ignored
    /// (those carry their salt inside the blob).
    pub fn parse(format: &str, hash: &str, salt: &str) -> Result<Self, PasswordError> {
        let format = LegacyFormat::parse(format).ok_or(PasswordError::UnknownFormat)?;
        let hash_b64 = hash.trim();
        if hash_b64.is_empty() {
            return Err(PasswordError::MissingHash);
        }
        let hash = decode(hash_b64).ok_or(PasswordError::Malformed(
            "the password hash is not valid base64",
        ))?;
        match format {
            LegacyFormat::AspNetMembershipSha1 => {
                let salt_b64 = salt.trim();
                if salt_b64.is_empty() {
                    return Err(PasswordError::MissingSalt);
                }
                let salt = decode(salt_b64).ok_or(PasswordError::Malformed(
                    "the password salt is not valid base64",
                ))?;
                if salt.len() > MAX_SALT_BYTES {
                    return Err(PasswordError::Malformed("the password salt is too long"));
                }
                if hash.len() != SHA1_BYTES {
                    return Err(PasswordError::Malformed(
                        "an ASPNET_MEMBERSHIP_SHA1 hash must be 20 bytes",
                    ));
                }
                Ok(Self {
                    format,
                    hash_b64: hash_b64.to_owned(),
                    salt_b64: Some(salt_b64.to_owned()),
                })
            }
            LegacyFormat::AspNetIdentityV2 | LegacyFormat::AspNetIdentityV3 => {
                let format = identity_shape(&hash).map_err(PasswordError::Malformed)?;
                Ok(Self {
                    format,
                    hash_b64: hash_b64.to_owned(),
                    salt_b64: None,
                })
            }
        }
    }

    /// Checks `password` against this hash.
    pub fn verify(&self, password: &str) -> bool {
        verify(
            self.format,
            &self.hash_b64,
            self.salt_b64.as_deref(),
            password,
        )
    }

    /// The text to keep in `users.password_hash` (see [`encode_stored`]).
    pub fn encode_stored(&self) -> String {
        encode_stored(self.format, &self.hash_b64, self.salt_b64.as_deref())
    }
}

/// Checks `password` against a legacy hash. `salt_b64` is used by Membership SHA-1 only.
/// Malformed input (bad base64, short or oversized blobs, unknown prf, iteration counts above
/// [`MAX_ITERATIONS`]) answers `false`.
pub fn verify(
    format: LegacyFormat,
    hash_b64: &str,
    salt_b64: Option<&str>,
    password: &str,
) -> bool {
    let Some(hash) = decode(hash_b64) else {
        return false;
    };
    match format {
        LegacyFormat::AspNetMembershipSha1 => {
            let Some(salt) = salt_b64.and_then(decode) else {
                return false;
            };
            if salt.is_empty() || salt.len() > MAX_SALT_BYTES || hash.len() != SHA1_BYTES {
                return false;
            }
            ct_eq(&membership_sha1_digest(&salt, password), &hash)
        }
        LegacyFormat::AspNetIdentityV2 | LegacyFormat::AspNetIdentityV3 => {
            verify_identity_blob(&hash, password)
        }
    }
}

/// The text kept in `users.password_hash` for a legacy hash:
/// `legacy:aspnet-sha1:<salt_b64>:<hash_b64>`, `legacy:aspnet-v2:<hash_b64>` or
/// `legacy:aspnet-v3:<hash_b64>`. For the Identity family the version is read from the blob
/// when it can be; surrounding spaces are trimmed.
pub fn encode_stored(format: LegacyFormat, hash_b64: &str, salt_b64: Option<&str>) -> String {
    let hash_b64 = hash_b64.trim();
    match format {
        LegacyFormat::AspNetMembershipSha1 => {
            let salt = salt_b64.map(str::trim).unwrap_or_default();
            format!("{STORED_PREFIX}aspnet-sha1:{salt}:{hash_b64}")
        }
        LegacyFormat::AspNetIdentityV2 | LegacyFormat::AspNetIdentityV3 => {
            let version = decode(hash_b64)
                .and_then(|blob| identity_shape(&blob).ok())
                .unwrap_or(format);
            let tag = if version == LegacyFormat::AspNetIdentityV2 {
                "aspnet-v2"
            } else {
                "aspnet-v3"
            };
            format!("{STORED_PREFIX}{tag}:{hash_b64}")
        }
    }
}

/// Whether a `users.password_hash` value is a legacy hash (one to upgrade at login).
pub fn is_stored_legacy(stored: &str) -> bool {
    stored.starts_with(STORED_PREFIX)
}

/// Checks `password` against a `users.password_hash` value written by [`encode_stored`].
/// `None` when the value is not a legacy hash (an argon2 PHC string, say); `Some(false)` for a
/// wrong password and for a legacy value that cannot be read.
pub fn verify_stored(stored: &str, password: &str) -> Option<bool> {
    let rest = stored.strip_prefix(STORED_PREFIX)?;
    let (tag, value) = rest.split_once(':').unwrap_or((rest, ""));
    let ok = match tag {
        "aspnet-sha1" => match value.split_once(':') {
            Some((salt, hash)) => verify(
                LegacyFormat::AspNetMembershipSha1,
                hash,
                Some(salt),
                password,
            ),
            None => false,
        },
        "aspnet-v2" => verify(LegacyFormat::AspNetIdentityV2, value, None, password),
        "aspnet-v3" => verify(LegacyFormat::AspNetIdentityV3, value, None, password),
        _ => false,
    };
    Some(ok)
}

/// Membership SHA-1 of `password` with `salt`: the base64 hash, as the old system stored it.
pub fn hash_membership_sha1(salt: &[u8], password: &str) -> String {
    STANDARD.encode(membership_sha1_digest(salt, password))
}

/// Identity v2 of `password` with `salt`: the base64 blob `0x00 | salt | subkey`.
pub fn hash_identity_v2(salt: &[u8; V2_SALT_BYTES], password: &str) -> String {
    let mut subkey = [0u8; V2_SUBKEY_BYTES];
    Prf::HmacSha1.derive(password.as_bytes(), salt, V2_ITERATIONS, &mut subkey);
    let mut blob = Vec::with_capacity(1 + V2_SALT_BYTES + V2_SUBKEY_BYTES);
    blob.push(0x00);
    blob.extend_from_slice(salt);
    blob.extend_from_slice(&subkey);
    STANDARD.encode(blob)
}

/// Identity v3 of `password`: the base64 blob `0x01 | prf | iterations | salt length | salt |
/// subkey`. An iteration count of 0 is taken as 1. (ASP.NET writes 16-byte salts and 32-byte
/// subkeys; [`verify`] needs at least [`MIN_V3_BYTES`] of each.)
pub fn hash_identity_v3(
    prf: Prf,
    iterations: u32,
    salt: &[u8],
    subkey_len: usize,
    password: &str,
) -> String {
    let iterations = iterations.max(1);
    let mut subkey = vec![0u8; subkey_len];
    prf.derive(password.as_bytes(), salt, iterations, &mut subkey);
    let salt_len = u32::try_from(salt.len()).unwrap_or(u32::MAX);
    let mut blob = Vec::with_capacity(V3_HEADER_BYTES + salt.len() + subkey_len);
    blob.push(0x01);
    blob.extend_from_slice(&prf.code().to_be_bytes());
    blob.extend_from_slice(&iterations.to_be_bytes());
    blob.extend_from_slice(&salt_len.to_be_bytes());
    blob.extend_from_slice(salt);
    blob.extend_from_slice(&subkey);
    STANDARD.encode(blob)
}

/// SHA-1 of the salt bytes followed by the UTF-16LE code units of the password.
fn membership_sha1_digest(salt: &[u8], password: &str) -> [u8; SHA1_BYTES] {
    let mut hasher = Sha1::new();
    hasher.update(salt);
    for unit in password.encode_utf16() {
        hasher.update(unit.to_le_bytes());
    }
    hasher.finalize().into()
}

/// Decodes base64 text (trimmed; padding optional); `None` when it is not base64 or too long.
fn decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim();
    if text.len() > MAX_BASE64_CHARS {
        return None;
    }
    LENIENT_BASE64.decode(text).ok()
}

/// Constant-time equality (the lengths are not secret).
fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

/// The parameters of an Identity v3 blob.
struct V3<'a> {
    prf: Prf,
    iterations: u32,
    salt: &'a [u8],
    subkey: &'a [u8],
}

/// Reads a big-endian `u32` at `at`.
fn read_u32(blob: &[u8], at: usize) -> Option<u32> {
    let bytes: [u8; 4] = blob.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_be_bytes(bytes))
}

/// Reads and bounds-checks an Identity v3 blob.
fn parse_v3(blob: &[u8]) -> Result<V3<'_>, &'static str> {
    const SHORT: &str = "the ASPNET_IDENTITY_V3 hash is too short";
    if blob.first() != Some(&0x01) {
        return Err("an ASPNET_IDENTITY_V3 hash must start with the byte 0x01");
    }
    let prf = read_u32(blob, 1)
        .and_then(Prf::from_code)
        .ok_or("the ASPNET_IDENTITY_V3 hash names an unknown prf")?;
    let iterations = read_u32(blob, 5).ok_or(SHORT)?;
    if !(1..=MAX_ITERATIONS).contains(&iterations) {
        return Err("the ASPNET_IDENTITY_V3 iteration count is out of range");
    }
    let salt_len = read_u32(blob, 9)
        .and_then(|n| usize::try_from(n).ok())
        .ok_or(SHORT)?;
    if !(MIN_V3_BYTES..=MAX_SALT_BYTES).contains(&salt_len) {
        return Err("the ASPNET_IDENTITY_V3 salt length is out of range");
    }
    let salt_end = V3_HEADER_BYTES + salt_len;
    let salt = blob.get(V3_HEADER_BYTES..salt_end).ok_or(SHORT)?;
    let subkey = blob.get(salt_end..).ok_or(SHORT)?;
    if subkey.len() < MIN_V3_BYTES {
        return Err(SHORT);
    }
    if subkey.len() > MAX_SUBKEY_BYTES {
        return Err("the ASPNET_IDENTITY_V3 subkey is too long");
    }
    Ok(V3 {
        prf,
        iterations,
        salt,
        subkey,
    })
}

/// The Identity version of a blob, after checking its shape.
fn identity_shape(blob: &[u8]) -> Result<LegacyFormat, &'static str> {
    match blob.first() {
        Some(0x00) if blob.len() == 1 + V2_SALT_BYTES + V2_SUBKEY_BYTES => {
            Ok(LegacyFormat::AspNetIdentityV2)
        }
        Some(0x00) => Err("an ASPNET_IDENTITY_V2 hash must be 49 bytes"),
        Some(0x01) => parse_v3(blob).map(|_| LegacyFormat::AspNetIdentityV3),
        _ => Err("an ASP.NET Identity hash must start with the byte 0x00 (v2) or 0x01 (v3)"),
    }
}

/// Checks a password against an Identity blob of either version.
fn verify_identity_blob(blob: &[u8], password: &str) -> bool {
    match blob.first() {
        Some(0x00) => {
            let (Some(salt), Some(expected)) = (
                blob.get(1..1 + V2_SALT_BYTES),
                blob.get(1 + V2_SALT_BYTES..),
            ) else {
                return false;
            };
            if expected.len() != V2_SUBKEY_BYTES {
                return false;
            }
            let mut actual = [0u8; V2_SUBKEY_BYTES];
            Prf::HmacSha1.derive(password.as_bytes(), salt, V2_ITERATIONS, &mut actual);
            ct_eq(&actual, expected)
        }
        Some(0x01) => {
            let Ok(v3) = parse_v3(blob) else {
                return false;
            };
            let mut actual = vec![0u8; v3.subkey.len()];
            v3.prf
                .derive(password.as_bytes(), v3.salt, v3.iterations, &mut actual);
            ct_eq(&actual, v3.subkey)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngCore as _;

    // ---- published vectors ----
    //
    // ASP.NET Identity: dotnet/aspnetcore, src/Identity/test/Identity.Test/PasswordHasherTest.cs
    // (Microsoft's own tests of `PasswordHasher<TUser>`; all hash the password "my password").
    // `HashPassword_Version2` / `HashPassword_Version3` use salts 00 01 02 .. 0F from a
    // sequential RNG; the other success cases are `VerifyHashedPassword_*_SuccessCases`, the
    // failure cases `VerifyHashedPassword_FailureCases`.
    const ASPNET_PASSWORD: &str = "my password";
    const ASPNET_V2: [&str; 2] = [
        // HashPassword_Version2 (salt 00..0F)
        "AAABAgMEBQYHCAkKCwwNDg+ukCEMDf0yyQ29NYubggHIVY0sdEUfdyeM+E1LtH1uJg==",
        // VerifyHashedPassword_Version2CompatMode_SuccessCases
        "ANXrDknc7fGPpigibZXXZFMX4aoqz44JveK6jQuwY3eH/UyPhvr5xTPeGYEckLxz9A==",
    ];
    const ASPNET_V3: [&str; 5] = [
        // HashPassword_Version3: HMAC-SHA256, 10,000 iterations, salt 00..0F, 32-byte subkey
        "AQAAAAEAACcQAAAAEAABAgMEBQYHCAkKCwwNDg+yWU7rLgUwPZb1Itsmra7cbxw2EFpwpVFIEtP+JIuUEw==",
        // HMAC-SHA512, 50 iterations, 128-bit salt, 128-bit subkey
        "AQAAAAIAAAAyAAAAEOMwvh3+FZxqkdMBz2ekgGhwQ4B6pZWND6zgESBuWiHw",
        // HMAC-SHA512, 250 iterations, 256-bit salt, 512-bit subkey
        "AQAAAAIAAAD6AAAAIJbVi5wbMR+htSfFp8fTw8N8GOS/Sje+S/4YZcgBfU7EQuqv4OkVYmc4VJl9AGZzmRTxSkP7LtVi9IWyUxX8IAAfZ8v+ZfhjCcudtC1YERSqE1OEdXLW9VukPuJWBBjLuw==",
        // HMAC-SHA1, 250 iterations, 128-bit salt, 128-bit subkey
        "AQAAAAAAAAD6AAAAEAhftMyfTJylOlZT+eEotFXd1elee8ih5WsjXaR3PA9M",
        // HMAC-SHA256, 250,000 iterations, 256-bit salt, 256-bit subkey
        "AQAAAAEAA9CQAAAAIESkQuj2Du8Y+kbc5lcN/W/3NiAZFEm11P27nrSN5/tId+bR1SwV8CO1Jd72r4C08OLvplNlCDc3oQZ8efcW+jQ=",
    ];
    const ASPNET_FAILURES: [&str; 6] = [
        "AAABAgMEBQYHCAkKCwwNDg+uAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAALtH1uJg==", // v2 wrong subkey
        "AAABAgMEBQYHCAkKCwwNDg+ukCEMDf0yyQ29NYubggE=",                         // v2 too short
        "AAABAgMEBQYHCAkKCwwNDg+ukCEMDf0yyQ29NYubggHIVY0sdEUfdyeM+E1LtH1uJgAAAAAAAAAAAAA=", // v2 extra data
        "AQAAAAAAAAD6AAAAEAhftMyfTJyAAAAAAAAAAAAAAAAAAAih5WsjXaR3PA9M", // v3 wrong salt/subkey
        "AQAAAAIAAAAyAAAAEOMwvh3+FZxqkdMBz2ekgGhwQ4A=",                 // v3 too short
        "AQAAAAIAAAAyAAAAEOMwvh3+FZxqkdMBz2ekgGhwQ4B6pZWND6zgESBuWiHwAAAAAAAAAAAA", // v3 extra data
    ];

    // ASP.NET Membership SHA-1: John the Ripper's EPiServer format (openwall/john,
    // src/episerver_fmt_plug.c, `episerver_tests`). Its "version 0" is exactly
    // SqlMembershipProvider's hashed format: sha1(salt | utf16(password)), read there from
    // aspnet_Membership's PasswordSalt and Password columns. Lines are (salt, hash, password);
    // the last two are unpadded in the source (from JtR's pass_gen.pl).
    const MEMBERSHIP: [(&str, &str, &str); 5] = [
        (
            "fGJ2wn/5WlzqQoDeCA2kXA==",
            "UQgnz/vPWap9UeD8Dhaw3h/fgFA=",
            "testPassword",
        ),
        (
            "fGJ2wn/5WlzqQoDeCA2kXA==",
            "uiP1YrZlVcHESbfsRt/wljwNeYU=",
            "sss",
        ),
        (
            "fGJ2wn/5WlzqQoDeCA2kXA==",
            "dxTlKqnxaVHs0210VcX+48QDonA=",
            "notused",
        ),
        (
            "OHdOb002Z1J6ZFhlRHRzbw==",
            "74l+VCC9xkGP27sNLPLZLRI/O5A",
            "test1",
        ),
        (
            "THk5ZHhYNFdQUDV1Y0hScg==",
            "ik+FVrPkEs6LfJU88xl5oBRoZjY",
            "",
        ),
    ];

    fn salt00_0f() -> [u8; 16] {
        std::array::from_fn(|i| i as u8)
    }

    #[test]
    fn legacy_aspnet_v2_vectors_verify() {
        for hash in ASPNET_V2 {
            assert!(verify(
                LegacyFormat::AspNetIdentityV2,
                hash,
                None,
                ASPNET_PASSWORD
            ));
            assert!(!verify(
                LegacyFormat::AspNetIdentityV2,
                hash,
                None,
                "my passwore"
            ));
            assert!(!verify(LegacyFormat::AspNetIdentityV2, hash, None, ""));
        }
    }

    #[test]
    fn legacy_aspnet_v3_vectors_verify() {
        for hash in ASPNET_V3 {
            assert!(
                verify(LegacyFormat::AspNetIdentityV3, hash, None, ASPNET_PASSWORD),
                "{hash}"
            );
            assert!(!verify(
                LegacyFormat::AspNetIdentityV3,
                hash,
                None,
                "My password"
            ));
        }
    }

    #[test]
    fn legacy_aspnet_vectors_are_reproduced() {
        assert_eq!(
            hash_identity_v2(&salt00_0f(), ASPNET_PASSWORD),
            ASPNET_V2[0]
        );
        assert_eq!(
            hash_identity_v3(Prf::HmacSha256, 10_000, &salt00_0f(), 32, ASPNET_PASSWORD),
            ASPNET_V3[0]
        );
    }

    #[test]
    fn legacy_aspnet_failure_vectors() {
        for hash in ASPNET_FAILURES {
            for format in [
                LegacyFormat::AspNetIdentityV2,
                LegacyFormat::AspNetIdentityV3,
            ] {
                assert!(!verify(format, hash, None, ASPNET_PASSWORD), "{hash}");
            }
        }
    }

    #[test]
    fn legacy_identity_version_read_from_the_blob() {
        // ASP.NET dispatches on the first byte; so do we, whatever the column says.
        assert!(verify(
            LegacyFormat::AspNetIdentityV3,
            ASPNET_V2[0],
            None,
            ASPNET_PASSWORD
        ));
        assert!(verify(
            LegacyFormat::AspNetIdentityV2,
            ASPNET_V3[1],
            None,
            ASPNET_PASSWORD
        ));
        let p = LegacyPassword::parse("ASPNET_IDENTITY_V3", ASPNET_V2[0], "").unwrap();
        assert_eq!(p.format, LegacyFormat::AspNetIdentityV2);
        assert!(p.encode_stored().starts_with("legacy:aspnet-v2:"));
    }

    #[test]
    fn legacy_membership_sha1_vectors() {
        for (salt, hash, password) in MEMBERSHIP {
            let f = LegacyFormat::AspNetMembershipSha1;
            assert!(verify(f, hash, Some(salt), password), "{password:?}");
            assert!(!verify(f, hash, Some(salt), "wrong"), "{password:?}");
            assert!(!verify(f, hash, None, password));
            let salt_bytes = STANDARD.decode(salt).unwrap();
            assert_eq!(
                hash_membership_sha1(&salt_bytes, password).trim_end_matches('='),
                hash.trim_end_matches('=')
            );
        }
    }

    #[test]
    fn legacy_membership_sha1_uses_utf16() {
        // Persian letters are one UTF-16 unit each, an emoji two: all must round-trip.
        let salt = [7u8; 16];
        for password in ["رمزعبور۱۲۳", "pass😀word", "é"] {
            let hash = hash_membership_sha1(&salt, password);
            let salt_b64 = STANDARD.encode(salt);
            assert!(verify(
                LegacyFormat::AspNetMembershipSha1,
                &hash,
                Some(&salt_b64),
                password
            ));
        }
    }

    #[test]
    fn legacy_round_trips_with_generated_salts() {
        let mut rng = rand::rng();
        for _ in 0..4 {
            let mut salt = [0u8; 16];
            rng.fill_bytes(&mut salt);
            let salt_b64 = STANDARD.encode(salt);
            let password = format!("Pässwörd-{}", rng.next_u32());

            let sha1 = hash_membership_sha1(&salt, &password);
            let v2 = hash_identity_v2(&salt, &password);
            let v3 = [
                hash_identity_v3(Prf::HmacSha1, 3, &salt, 16, &password),
                hash_identity_v3(Prf::HmacSha256, 7, &salt, 32, &password),
                hash_identity_v3(Prf::HmacSha512, 5, &salt, 64, &password),
            ];
            let rows = [
                ("ASPNET_MEMBERSHIP_SHA1", sha1.as_str(), salt_b64.as_str()),
                ("ASPNET_IDENTITY_V2", v2.as_str(), ""),
                ("ASPNET_IDENTITY_V3", v3[0].as_str(), ""),
                ("ASPNET_IDENTITY_V3", v3[1].as_str(), ""),
                ("aspnet_identity_v3", v3[2].as_str(), " "),
            ];
            for (format, hash, salt) in rows {
                let p = LegacyPassword::parse(format, hash, salt).unwrap();
                assert!(p.verify(&password));
                assert!(!p.verify("other"));
                let stored = p.encode_stored();
                assert!(is_stored_legacy(&stored));
                assert_eq!(verify_stored(&stored, &password), Some(true), "{stored}");
                assert_eq!(verify_stored(&stored, "other"), Some(false));
            }
        }
    }

    #[test]
    fn legacy_stored_encoding() {
        let salt = "fGJ2wn/5WlzqQoDeCA2kXA==";
        let hash = "UQgnz/vPWap9UeD8Dhaw3h/fgFA=";
        let stored = encode_stored(LegacyFormat::AspNetMembershipSha1, hash, Some(salt));
        assert_eq!(stored, format!("legacy:aspnet-sha1:{salt}:{hash}"));
        assert_eq!(verify_stored(&stored, "testPassword"), Some(true));
        assert_eq!(
            encode_stored(LegacyFormat::AspNetIdentityV3, ASPNET_V3[0], None),
            format!("legacy:aspnet-v3:{}", ASPNET_V3[0])
        );
        // not legacy: argon2 PHC strings and anything else
        assert_eq!(
            verify_stored("$argon2id$v=19$m=19456,t=2,p=1$abc$def", "x"),
            None
        );
        assert_eq!(verify_stored("", "x"), None);
        // legacy but unreadable
        for bad in [
            "legacy:",
            "legacy:aspnet-sha1",
            "legacy:aspnet-sha1:onlyone",
            "legacy:aspnet-v9:AAAA",
            "legacy:aspnet-v3:",
            "legacy:aspnet-v3:!!!",
        ] {
            assert_eq!(verify_stored(bad, "x"), Some(false), "{bad}");
        }
    }

    #[test]
    fn legacy_malformed_input_is_false_not_a_panic() {
        let v3 = |prf: u32, iterations: u32, salt_len: u32, tail: usize| {
            let mut blob = vec![0x01];
            blob.extend_from_slice(&prf.to_be_bytes());
            blob.extend_from_slice(&iterations.to_be_bytes());
            blob.extend_from_slice(&salt_len.to_be_bytes());
            blob.extend(std::iter::repeat_n(0xAB, tail));
            STANDARD.encode(blob)
        };
        let cases = [
            String::new(),
            "   ".to_owned(),
            "not base64 at all!".to_owned(),
            "AQ==".to_owned(),
            "AA==".to_owned(),
            "Ag==".to_owned(),
            v3(1, 10_000, 16, 0),        // no salt, no subkey
            v3(1, 10_000, 16, 20),       // subkey of 4 bytes
            v3(1, 10_000, u32::MAX, 64), // salt length beyond the blob
            v3(1, 10_000, 8, 40),        // salt too short
            v3(7, 10_000, 16, 48),       // unknown prf
            v3(1, 0, 16, 48),            // zero iterations
            v3(2, u32::MAX, 16, 48),     // would burn CPU
            v3(2, MAX_ITERATIONS + 1, 16, 48),
            v3(2, 1000, 16, 16 + 4096), // subkey far too long
            "A".repeat(MAX_BASE64_CHARS + 4),
        ];
        for case in &cases {
            for format in LegacyFormat::ALL {
                assert!(!verify(format, case, Some("AAAA"), "x"), "{case}");
                assert!(LegacyPassword::parse(format.as_str(), case, "AAAA").is_err());
            }
        }
        // a salt that is not base64, or missing
        let f = LegacyFormat::AspNetMembershipSha1;
        let hash = "UQgnz/vPWap9UeD8Dhaw3h/fgFA=";
        assert!(!verify(f, hash, Some("%%%"), "testPassword"));
        assert!(!verify(f, hash, Some(""), "testPassword"));
    }

    #[test]
    fn legacy_password_parse_errors() {
        let hash = "UQgnz/vPWap9UeD8Dhaw3h/fgFA=";
        let salt = "fGJ2wn/5WlzqQoDeCA2kXA==";
        assert_eq!(
            LegacyPassword::parse("MD5", hash, salt),
            Err(PasswordError::UnknownFormat)
        );
        assert_eq!(
            LegacyPassword::parse("", hash, salt),
            Err(PasswordError::UnknownFormat)
        );
        assert_eq!(
            LegacyPassword::parse("ASPNET_MEMBERSHIP_SHA1", " ", salt),
            Err(PasswordError::MissingHash)
        );
        assert_eq!(
            LegacyPassword::parse("ASPNET_MEMBERSHIP_SHA1", hash, ""),
            Err(PasswordError::MissingSalt)
        );
        assert!(matches!(
            LegacyPassword::parse("ASPNET_MEMBERSHIP_SHA1", "AAAA", salt),
            Err(PasswordError::Malformed(_))
        ));
        let ok = LegacyPassword::parse(" aspnet_membership_sha1 ", hash, salt).unwrap();
        assert_eq!(ok.format, LegacyFormat::AspNetMembershipSha1);
        assert!(ok.verify("testPassword"));
        // the hash never shows in logs
        assert!(!format!("{ok:?}").contains(hash));
        for e in [
            PasswordError::UnknownFormat,
            PasswordError::MissingHash,
            PasswordError::MissingSalt,
            PasswordError::Malformed("x"),
        ] {
            assert!(!e.message().is_empty() && !e.message_fa().is_empty());
        }
    }

    #[test]
    fn legacy_format_names() {
        for f in LegacyFormat::ALL {
            assert_eq!(LegacyFormat::parse(f.as_str()), Some(f));
        }
        assert!(LegacyFormat::AspNetMembershipSha1.has_salt_column());
        assert!(!LegacyFormat::AspNetIdentityV3.has_salt_column());
        for p in [Prf::HmacSha1, Prf::HmacSha256, Prf::HmacSha512] {
            assert_eq!(Prf::from_code(p.code()), Some(p));
        }
        assert_eq!(Prf::from_code(3), None);
    }
}
