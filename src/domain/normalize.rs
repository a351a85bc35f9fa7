//! Input validation and normalisation for the registry of medical-equipment
//! technical officers.
//!
//! Every validator takes the name of the field being checked (copied into the
//! [`FieldError`] it may return) and the raw user input. Persian and
//! Arabic-Indic digits are folded to ASCII, Arabic letter variants are folded
//! to their Persian forms, and the normalised value is returned on success.
//! Error messages come in English and in Persian.

/// A refused input value: which field, why (English), why (Persian).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Name of the field whose value was refused.
    pub field: String,
    /// Reason in English, starting with a lower-case letter.
    pub message: String,
    /// Reason in Persian.
    pub message_fa: String,
}

impl FieldError {
    /// Builds an error for `field` with an English and a Persian message.
    pub fn new(field: &str, message: impl Into<String>, message_fa: impl Into<String>) -> Self {
        Self {
            field: field.to_owned(),
            message: message.into(),
            message_fa: message_fa.into(),
        }
    }
}

impl FieldError {
    /// `field: message`, for logs and command-line output. (No `Display`: async-graphql
    /// converts every `Display` type into a bare error, which would drop the code.)
    pub fn describe(&self) -> String {
        format!("{}: {}", self.field, self.message)
    }
}

/// Maximum length of an e-mail address, in characters.
const EMAIL_MAX_CHARS: usize = 254;
/// Maximum length of the local part of an e-mail address, in characters.
const EMAIL_LOCAL_MAX_CHARS: usize = 64;
/// Minimum password length, in characters.
const PASSWORD_MIN_CHARS: usize = 8;
/// Maximum password length, in characters.
const PASSWORD_MAX_CHARS: usize = 128;

const MSG_EMPTY: &str = "must not be empty";
const MSG_EMPTY_FA: &str = "این فیلد نباید خالی باشد";

/// Folds Persian digits `۰`–`۹` (U+06F0..U+06F9) and Arabic-Indic digits
/// `٠`–`٩` (U+0660..U+0669) to ASCII `0`–`9`; other characters are kept.
pub fn fold_digits(s: &str) -> String {
    s.chars().map(fold_digit_char).collect()
}

fn fold_digit_char(c: char) -> char {
    let base = match c {
        '\u{06F0}'..='\u{06F9}' => 0x06F0,
        '\u{0660}'..='\u{0669}' => 0x0660,
        _ => return c,
    };
    let offset = u32::from(c) - base;
    char::from_digit(offset, 10).unwrap_or(c)
}

/// Folds Arabic letter variants to their Persian forms: `ي` (U+064A) and `ى`
/// (U+0649) become `ی` (U+06CC), `ك` (U+0643) becomes `ک` (U+06A9).
/// The zero-width non-joiner (U+200C) and everything else are kept untouched.
pub fn fold_letters(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{064A}' | '\u{0649}' => '\u{06CC}',
            '\u{0643}' => '\u{06A9}',
            other => other,
        })
        .collect()
}

/// Normalises a single-line text value: folds letters and digits, trims it and
/// collapses every run of whitespace (spaces, tabs, newlines) into one space.
/// The zero-width non-joiner is not whitespace and is kept.
pub fn clean_text(s: &str) -> String {
    let folded = fold_digits(&fold_letters(s));
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Validates a mandatory single-line text value of at most `max_chars`
/// characters and returns it cleaned with [`clean_text`].
///
/// Empty (or whitespace-only) values, values longer than `max_chars` and values
/// containing control characters are refused.
pub fn required_text(field: &str, s: &str, max_chars: usize) -> Result<String, FieldError> {
    let cleaned = clean_text(s);
    if cleaned.is_empty() {
        return Err(FieldError::new(field, MSG_EMPTY, MSG_EMPTY_FA));
    }
    if cleaned.chars().any(char::is_control) {
        return Err(FieldError::new(
            field,
            "must not contain control characters",
            "این فیلد نباید نویسه‌های کنترلی داشته باشد",
        ));
    }
    if cleaned.chars().count() > max_chars {
        return Err(FieldError::new(
            field,
            format!("must be at most {max_chars} characters"),
            format!(
                "این فیلد نباید بیش از {} نویسه باشد",
                persian_number(max_chars)
            ),
        ));
    }
    Ok(cleaned)
}

/// Validates an optional single-line text value: `None` or a value that is
/// empty after [`clean_text`] gives `Ok(None)`; anything else is checked like
/// [`required_text`].
pub fn optional_text(
    field: &str,
    s: Option<&str>,
    max_chars: usize,
) -> Result<Option<String>, FieldError> {
    match s {
        None => Ok(None),
        Some(raw) if clean_text(raw).is_empty() => Ok(None),
        Some(raw) => required_text(field, raw, max_chars).map(Some),
    }
}

/// Validates an Iranian national code (کد ملی) and returns it as 10 ASCII
/// digits.
///
/// Digits are folded, the value is trimmed and inner spaces and dashes are
/// removed. 8 or 9 digit values are left-padded with zeros. Ten identical
/// digits are refused, and the check digit must match: with digits d1..d10,
/// `s = Σ(i=1..9) di·(11−i)`, `r = s mod 11`; valid when `d10 = r` for `r < 2`
/// and `d10 = 11 − r` otherwise.
pub fn national_code(field: &str, s: &str) -> Result<String, FieldError> {
    let compact = strip_separators(&fold_digits(s));
    if compact.is_empty() {
        return Err(FieldError::new(field, MSG_EMPTY, MSG_EMPTY_FA));
    }
    if !compact.chars().all(|c| c.is_ascii_digit()) {
        return Err(FieldError::new(
            field,
            "national code must contain only digits",
            "کد ملی فقط باید شامل رقم باشد",
        ));
    }
    if !(8..=10).contains(&compact.len()) {
        return Err(FieldError::new(
            field,
            "national code must have 10 digits",
            "کد ملی باید ۱۰ رقم باشد",
        ));
    }
    let code = format!("{compact:0>10}");
    let digits = ascii_digits(&code);
    if all_same(&digits) {
        return Err(FieldError::new(
            field,
            "national code is not valid",
            "کد ملی معتبر نیست",
        ));
    }
    let sum: u32 = digits
        .iter()
        .take(9)
        .zip((2..=10u32).rev())
        .map(|(d, w)| d * w)
        .sum();
    let r = sum % 11;
    let expected = if r < 2 { r } else { 11 - r };
    if digits.get(9) != Some(&expected) {
        return Err(FieldError::new(
            field,
            "national code check digit is wrong",
            "کد ملی معتبر نیست",
        ));
    }
    Ok(code)
}

/// Validates the national ID (شناسه ملی) of a legal entity and returns it as
/// 11 ASCII digits.
///
/// Digits are folded, the value is trimmed and inner spaces and dashes are
/// removed. Eleven identical digits are refused, and the check digit must
/// match: `d = d10 + 2`, coefficients `[29, 27, 23, 19, 17, 29, 27, 23, 19, 17]`,
/// `s = Σ(i=1..10) (di + d)·ci`, `r = s mod 11` (0 when it is 10); valid when
/// `d11 = r`.
pub fn company_national_id(field: &str, s: &str) -> Result<String, FieldError> {
    const COEFFICIENTS: [u32; 10] = [29, 27, 23, 19, 17, 29, 27, 23, 19, 17];
    let id = strip_separators(&fold_digits(s));
    if id.is_empty() {
        return Err(FieldError::new(field, MSG_EMPTY, MSG_EMPTY_FA));
    }
    if !id.chars().all(|c| c.is_ascii_digit()) || id.len() != 11 {
        return Err(FieldError::new(
            field,
            "national id must have 11 digits",
            "شناسه ملی باید ۱۱ رقم باشد",
        ));
    }
    let digits = ascii_digits(&id);
    let invalid = || FieldError::new(field, "national id is not valid", "شناسه ملی معتبر نیست");
    if all_same(&digits) {
        return Err(invalid());
    }
    let (Some(&d10), Some(&d11)) = (digits.get(9), digits.get(10)) else {
        return Err(invalid());
    };
    let d = d10 + 2;
    let sum: u32 = digits
        .iter()
        .zip(COEFFICIENTS.iter())
        .map(|(di, ci)| (di + d) * ci)
        .sum();
    let r = match sum % 11 {
        10 => 0,
        r => r,
    };
    if d11 != r {
        return Err(FieldError::new(
            field,
            "national id check digit is wrong",
            "شناسه ملی معتبر نیست",
        ));
    }
    Ok(id)
}

/// Validates an Iranian mobile number and returns it as `09xxxxxxxxx`.
///
/// Digits are folded and spaces, dashes and parentheses are removed. Accepted
/// forms: `+989xxxxxxxxx`, `00989xxxxxxxxx`, `989xxxxxxxxx`, `9xxxxxxxxx` and
/// `09xxxxxxxxx`.
pub fn mobile(field: &str, s: &str) -> Result<String, FieldError> {
    let compact: String = fold_digits(s)
        .chars()
        .filter(|&c| !(is_separator(c) || c == '(' || c == ')'))
        .collect();
    if compact.is_empty() {
        return Err(FieldError::new(field, MSG_EMPTY, MSG_EMPTY_FA));
    }
    let subscriber = if let Some(rest) = compact.strip_prefix("+98") {
        rest
    } else if let Some(rest) = compact.strip_prefix("0098") {
        rest
    } else if let Some(rest) = compact.strip_prefix("98").filter(|_| compact.len() == 12) {
        rest
    } else if let Some(rest) = compact.strip_prefix('0').filter(|_| compact.len() == 11) {
        rest
    } else {
        compact.as_str()
    };
    let valid = subscriber.len() == 10
        && subscriber.starts_with('9')
        && subscriber.chars().all(|c| c.is_ascii_digit());
    if !valid {
        return Err(FieldError::new(
            field,
            "mobile number is not valid",
            "شماره موبایل معتبر نیست",
        ));
    }
    Ok(format!("0{subscriber}"))
}

/// Validates a landline phone number: after folding digits and removing
/// spaces, dashes and parentheses it must be 8 to 11 ASCII digits (a leading
/// zero is allowed). Returns the digits.
pub fn phone(field: &str, s: &str) -> Result<String, FieldError> {
    let compact: String = fold_digits(s)
        .chars()
        .filter(|&c| !(is_separator(c) || c == '(' || c == ')'))
        .collect();
    if compact.is_empty() {
        return Err(FieldError::new(field, MSG_EMPTY, MSG_EMPTY_FA));
    }
    if !(8..=11).contains(&compact.len()) || !compact.chars().all(|c| c.is_ascii_digit()) {
        return Err(FieldError::new(
            field,
            "phone number must have 8 to 11 digits",
            "شماره تلفن باید ۸ تا ۱۱ رقم باشد",
        ));
    }
    Ok(compact)
}

/// Validates an e-mail address with a pragmatic check and returns it trimmed
/// with its domain part lower-cased.
///
/// Requires exactly one `@`, a non-empty local part (at most 64 characters), a
/// domain with a dot and no empty labels, no whitespace or control characters,
/// and at most 254 characters in total.
pub fn email(field: &str, s: &str) -> Result<String, FieldError> {
    let trimmed = s.trim();
    if trimmed.is_empty() {
        return Err(FieldError::new(field, MSG_EMPTY, MSG_EMPTY_FA));
    }
    if trimmed.chars().count() > EMAIL_MAX_CHARS {
        return Err(FieldError::new(
            field,
            "email address is too long",
            "نشانی ایمیل بیش از حد طولانی است",
        ));
    }
    let invalid = || {
        FieldError::new(
            field,
            "email address is not valid",
            "نشانی ایمیل معتبر نیست",
        )
    };
    if trimmed.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid());
    }
    let Some((local, domain)) = trimmed.split_once('@') else {
        return Err(invalid());
    };
    if local.is_empty()
        || local.chars().count() > EMAIL_LOCAL_MAX_CHARS
        || domain.contains('@')
        || !domain.contains('.')
        || domain.split('.').any(str::is_empty)
    {
        return Err(invalid());
    }
    Ok(format!("{local}@{}", domain.to_lowercase()))
}

/// Validates a birth certificate number (شماره شناسنامه): 1 to 10 digits after
/// folding digits and removing spaces and dashes. Returns the digits.
pub fn birth_certificate_number(field: &str, s: &str) -> Result<String, FieldError> {
    let compact = strip_separators(&fold_digits(s));
    if compact.is_empty() {
        return Err(FieldError::new(field, MSG_EMPTY, MSG_EMPTY_FA));
    }
    if compact.len() > 10 || !compact.chars().all(|c| c.is_ascii_digit()) {
        return Err(FieldError::new(
            field,
            "birth certificate number must have 1 to 10 digits",
            "شماره شناسنامه باید ۱ تا ۱۰ رقم باشد",
        ));
    }
    Ok(compact)
}

/// Checks the password policy: 8 to 128 characters, at least one letter and
/// one digit (digits of any script count), and not a single repeated
/// character. The password itself is never altered or returned.
pub fn password_policy(field: &str, s: &str) -> Result<(), FieldError> {
    const POLICY: &str = "password must be at least 8 characters and contain a letter and a digit";
    const POLICY_FA: &str = "رمز عبور باید دست‌کم ۸ نویسه و شامل حرف و رقم باشد";
    let len = s.chars().count();
    if len > PASSWORD_MAX_CHARS {
        return Err(FieldError::new(
            field,
            "password must be at most 128 characters",
            "رمز عبور نباید بیش از ۱۲۸ نویسه باشد",
        ));
    }
    let has_letter = s.chars().any(char::is_alphabetic);
    let has_digit = s.chars().any(char::is_numeric);
    if len < PASSWORD_MIN_CHARS || !has_letter || !has_digit {
        return Err(FieldError::new(field, POLICY, POLICY_FA));
    }
    let mut chars = s.chars();
    if let Some(first) = chars.next()
        && chars.all(|c| c == first)
    {
        return Err(FieldError::new(
            field,
            "password must not repeat a single character",
            "رمز عبور نباید فقط یک نویسه تکراری باشد",
        ));
    }
    Ok(())
}

/// True for whitespace and the dash characters removed from numeric codes.
fn is_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, '-' | '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{0640}')
}

/// Removes whitespace and dashes (which also trims the value).
fn strip_separators(s: &str) -> String {
    s.chars().filter(|&c| !is_separator(c)).collect()
}

/// Numeric values of the ASCII digits of `s` (non-digits are skipped).
fn ascii_digits(s: &str) -> Vec<u32> {
    s.chars().filter_map(|c| c.to_digit(10)).collect()
}

/// True when every element equals the first one.
fn all_same(digits: &[u32]) -> bool {
    digits.windows(2).all(|w| w.first() == w.get(1))
}

/// Formats a number with Persian digits, for Persian messages.
pub fn persian_number(n: usize) -> String {
    n.to_string()
        .chars()
        .map(|c| {
            c.to_digit(10)
                .and_then(|d| char::from_u32(0x06F0 + d))
                .unwrap_or(c)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Check digit for the first nine digits of a national code.
    fn national_check(first9: &str) -> u32 {
        let sum: u32 = first9
            .chars()
            .map(|c| c.to_digit(10).unwrap())
            .zip((2..=10u32).rev())
            .map(|(d, w)| d * w)
            .sum();
        let r = sum % 11;
        if r < 2 { r } else { 11 - r }
    }

    /// Check digit for the first ten digits of a company national ID.
    fn company_check(first10: &str) -> u32 {
        let coefficients = [29, 27, 23, 19, 17, 29, 27, 23, 19, 17];
        let digits: Vec<u32> = first10.chars().map(|c| c.to_digit(10).unwrap()).collect();
        assert_eq!(digits.len(), 10);
        let d = digits[9] + 2;
        let sum: u32 = digits
            .iter()
            .zip(coefficients)
            .map(|(di, ci)| (di + d) * ci)
            .sum();
        let r = sum % 11;
        if r == 10 { 0 } else { r }
    }

    fn valid_company_id(first10: &str) -> String {
        format!("{first10}{}", company_check(first10))
    }

    /// Replaces the last digit with a different one.
    fn change_last_digit(s: &str) -> String {
        let last = s.chars().last().unwrap().to_digit(10).unwrap();
        let other = (last + 1) % 10;
        format!("{}{}", &s[..s.len() - 1], other)
    }

    // ---- fold_digits / fold_letters / clean_text ----

    #[test]
    fn fold_digits_persian_and_arabic() {
        assert_eq!(fold_digits("۰۱۲۳۴۵۶۷۸۹"), "0123456789");
        assert_eq!(fold_digits("٠١٢٣٤٥٦٧٨٩"), "0123456789");
        assert_eq!(fold_digits("abc ۱2٣"), "abc 123");
        assert_eq!(fold_digits(""), "");
    }

    #[test]
    fn fold_letters_arabic_variants() {
        assert_eq!(fold_letters("علي"), "علی");
        assert_eq!(fold_letters("مصطفى"), "مصطفی");
        assert_eq!(fold_letters("كرمان"), "کرمان");
        assert_eq!(fold_letters("يك"), "یک");
    }

    #[test]
    fn fold_letters_keeps_zwnj() {
        let s = "مي\u{200C}خواهم";
        let folded = fold_letters(s);
        assert_eq!(folded, "می\u{200C}خواهم");
        assert!(folded.contains('\u{200C}'));
    }

    #[test]
    fn clean_text_collapses_whitespace() {
        assert_eq!(clean_text("  a \t b\n\nc  "), "a b c");
        assert_eq!(clean_text("\u{00A0}x\u{00A0}\u{00A0}y"), "x y");
        assert_eq!(clean_text("   "), "");
    }

    #[test]
    fn clean_text_folds_and_keeps_zwnj() {
        assert_eq!(
            clean_text("  بيمارستان   ك ۱۲ \u{200C}"),
            "بیمارستان ک 12 \u{200C}"
        );
        assert_eq!(clean_text("مي\u{200C}روم"), "می\u{200C}روم");
    }

    // ---- required_text / optional_text ----

    #[test]
    fn required_text_valid() {
        assert_eq!(
            required_text("name", "  علي   رضايي ", 50).unwrap(),
            "علی رضایی"
        );
    }

    #[test]
    fn required_text_empty_refused() {
        let e = required_text("name", "", 50).unwrap_err();
        assert_eq!(e.field, "name");
        assert_eq!(e.message, "must not be empty");
        assert_eq!(e.message_fa, "این فیلد نباید خالی باشد");
        assert!(required_text("name", " \t\n ", 50).is_err());
    }

    #[test]
    fn required_text_too_long_refused() {
        assert_eq!(required_text("name", "abcde", 5).unwrap(), "abcde");
        let e = required_text("name", "abcdef", 5).unwrap_err();
        assert!(e.message.contains('5'));
        assert!(e.message_fa.contains('۵'));
        // counted in characters, not bytes
        assert!(required_text("name", "سلام", 4).is_ok());
    }

    #[test]
    fn required_text_control_refused() {
        assert!(required_text("name", "ab\u{0000}c", 50).is_err());
        assert!(required_text("name", "ab\u{007F}c", 50).is_err());
        assert!(required_text("name", "ab\u{001B}c", 50).is_err());
        // tabs and newlines are whitespace and get collapsed
        assert_eq!(required_text("name", "a\tb\nc", 50).unwrap(), "a b c");
    }

    #[test]
    fn optional_text_cases() {
        assert_eq!(optional_text("note", None, 10).unwrap(), None);
        assert_eq!(optional_text("note", Some(""), 10).unwrap(), None);
        assert_eq!(optional_text("note", Some("  \t "), 10).unwrap(), None);
        assert_eq!(
            optional_text("note", Some(" يك "), 10).unwrap(),
            Some("یک".to_owned())
        );
        assert!(optional_text("note", Some("01234567890"), 10).is_err());
        assert!(optional_text("note", Some("a\u{0007}"), 10).is_err());
    }

    // ---- national_code ----

    #[test]
    fn national_code_valid() {
        assert_eq!(national_code("nc", "0076229645").unwrap(), "0076229645");
        assert_eq!(national_code("nc", "  0076229645 ").unwrap(), "0076229645");
        assert_eq!(national_code("nc", "007-622964-5").unwrap(), "0076229645");
        assert_eq!(national_code("nc", "007 622 9645").unwrap(), "0076229645");
    }

    #[test]
    fn national_code_persian_and_arabic_digits() {
        assert_eq!(national_code("nc", "۰۰۷۶۲۲۹۶۴۵").unwrap(), "0076229645");
        assert_eq!(national_code("nc", "٠٠٧٦٢٢٩٦٤٥").unwrap(), "0076229645");
    }

    #[test]
    fn national_code_padding() {
        // 8 digits: "76229645" padded to "0076229645"
        assert_eq!(national_code("nc", "76229645").unwrap(), "0076229645");
        assert_eq!(national_code("nc", "۷۶۲۲۹۶۴۵").unwrap(), "0076229645");
        // 9 digits
        assert_eq!(national_code("nc", "076229645").unwrap(), "0076229645");
        // a computed 8-digit one
        let first9 = "001234567";
        let full = format!("{first9}{}", national_check(first9));
        let eight = &full[2..];
        assert_eq!(eight.len(), 8);
        assert_eq!(national_code("nc", eight).unwrap(), full);
    }

    #[test]
    fn national_code_wrong_check_digit() {
        let e = national_code("nc", "0076229646").unwrap_err();
        assert_eq!(e.message, "national code check digit is wrong");
        assert_eq!(e.message_fa, "کد ملی معتبر نیست");
        for last in 0..10 {
            let code = format!("007622964{last}");
            assert_eq!(national_code("nc", &code).is_ok(), last == 5, "{code}");
        }
    }

    #[test]
    fn national_code_computed_examples() {
        for prefix in [
            "123456789",
            "987654321",
            "000000001",
            "432109876",
            "555555556",
        ] {
            let code = format!("{prefix}{}", national_check(prefix));
            assert_eq!(national_code("nc", &code).unwrap(), code);
            assert!(national_code("nc", &change_last_digit(&code)).is_err());
        }
    }

    #[test]
    fn national_code_identical_digits_refused() {
        // 1111111111 passes the checksum but is a known fake
        assert!(national_code("nc", "1111111111").is_err());
        for d in 0..10 {
            let code = d.to_string().repeat(10);
            assert!(national_code("nc", &code).is_err(), "{code}");
        }
        // padding must not make "00000000" acceptable
        assert!(national_code("nc", "00000000").is_err());
    }

    #[test]
    fn national_code_letters_and_length_refused() {
        let e = national_code("nc", "00762a9645").unwrap_err();
        assert_eq!(e.message, "national code must contain only digits");
        assert!(national_code("nc", "abcdefghij").is_err());
        assert!(national_code("nc", "۰۰۷۶۲۲۹۶۴ب").is_err());
        assert!(national_code("nc", "1234567").is_err());
        assert!(national_code("nc", "00762296450").is_err());
        assert!(national_code("nc", "").is_err());
        assert!(national_code("nc", "   ").is_err());
        assert!(national_code("nc", "+076229645").is_err());
    }

    // ---- company_national_id ----

    #[test]
    fn company_id_valid_computed() {
        for prefix in [
            "1010000000",
            "1032028479",
            "1086113426",
            "1400012345",
            "1086016000",
        ] {
            let id = valid_company_id(prefix);
            assert_eq!(company_national_id("cid", &id).unwrap(), id);
        }
    }

    #[test]
    fn company_id_changed_last_digit_invalid() {
        for prefix in [
            "1010000000",
            "1032028479",
            "1086113426",
            "1400012345",
            "1086016000",
        ] {
            let id = valid_company_id(prefix);
            let bad = change_last_digit(&id);
            let e = company_national_id("cid", &bad).unwrap_err();
            assert_eq!(e.message, "national id check digit is wrong");
            assert_eq!(e.message_fa, "شناسه ملی معتبر نیست");
        }
    }

    #[test]
    fn company_id_persian_digits_and_separators() {
        let id = valid_company_id("1032028479");
        let persian: String = id
            .chars()
            .map(|c| char::from_u32(0x06F0 + c.to_digit(10).unwrap()).unwrap())
            .collect();
        assert_eq!(company_national_id("cid", &persian).unwrap(), id);
        let spaced = format!(" {}-{} ", &id[..5], &id[5..]);
        assert_eq!(company_national_id("cid", &spaced).unwrap(), id);
    }

    #[test]
    fn company_id_refusals() {
        for d in 0..10 {
            let id = d.to_string().repeat(11);
            assert!(company_national_id("cid", &id).is_err(), "{id}");
        }
        assert!(company_national_id("cid", "").is_err());
        assert!(company_national_id("cid", "1234567890").is_err());
        assert!(company_national_id("cid", "123456789012").is_err());
        assert!(company_national_id("cid", "1032028479a").is_err());
    }

    // ---- mobile ----

    #[test]
    fn mobile_all_forms() {
        let expected = "09121234567";
        for input in [
            "+989121234567",
            "00989121234567",
            "989121234567",
            "9121234567",
            "09121234567",
        ] {
            assert_eq!(mobile("mobile", input).unwrap(), expected, "{input}");
        }
    }

    #[test]
    fn mobile_persian_digits_and_separators() {
        assert_eq!(mobile("mobile", "۰۹۱۲۱۲۳۴۵۶۷").unwrap(), "09121234567");
        assert_eq!(mobile("mobile", "+۹۸۹۱۲۱۲۳۴۵۶۷").unwrap(), "09121234567");
        assert_eq!(mobile("mobile", "٠٩١٢١٢٣٤٥٦٧").unwrap(), "09121234567");
        assert_eq!(
            mobile("mobile", "+98 (912) 123-4567").unwrap(),
            "09121234567"
        );
        assert_eq!(mobile("mobile", " 0912 123 45 67 ").unwrap(), "09121234567");
        assert_eq!(mobile("mobile", "9981234567").unwrap(), "09981234567");
    }

    #[test]
    fn mobile_invalid() {
        let e = mobile("mobile", "02112345678").unwrap_err();
        assert_eq!(e.message_fa, "شماره موبایل معتبر نیست");
        for input in [
            "0912123456",     // too short
            "091212345678",   // too long
            "+98912123456",   // too short after country code
            "+18121234567",   // foreign
            "8121234567",     // does not start with 9
            "0912a234567",    // letter
            "+9809121234567", // extra zero after country code
            "++989121234567",
            "9121234567+",
            "abc",
        ] {
            assert!(mobile("mobile", input).is_err(), "{input}");
        }
        assert!(mobile("mobile", "").is_err());
    }

    // ---- phone ----

    #[test]
    fn phone_valid() {
        assert_eq!(phone("tel", "021-88776655").unwrap(), "02188776655");
        assert_eq!(phone("tel", "۸۸۷۷۶۶۵۵").unwrap(), "88776655");
        assert_eq!(phone("tel", " 021 8877 6655 ").unwrap(), "02188776655");
        assert_eq!(phone("tel", "(021) 88776655").unwrap(), "02188776655");
        assert_eq!(phone("tel", "313456789").unwrap(), "313456789");
    }

    #[test]
    fn phone_invalid() {
        assert!(phone("tel", "1234567").is_err());
        assert!(phone("tel", "021887766551").is_err());
        assert!(phone("tel", "0218877a655").is_err());
        assert!(phone("tel", "+982188776655").is_err());
        assert!(phone("tel", "").is_err());
    }

    // ---- email ----

    #[test]
    fn email_valid() {
        assert_eq!(
            email("email", "  Ali.Rezaei@Example.COM ").unwrap(),
            "Ali.Rezaei@example.com"
        );
        assert_eq!(email("email", "a+b@mail.co.ir").unwrap(), "a+b@mail.co.ir");
    }

    #[test]
    fn email_invalid() {
        for input in [
            "",
            "   ",
            "no-at-sign.com",
            "@example.com",
            "a@b@example.com",
            "a@example",
            "a b@example.com",
            "a@exa mple.com",
            "a@.example.com",
            "a@example.com.",
            "a@example..com",
            "a@",
            "a\u{0000}@example.com",
        ] {
            assert!(email("email", input).is_err(), "{input:?}");
        }
        let e = email("email", "x").unwrap_err();
        assert_eq!(e.message_fa, "نشانی ایمیل معتبر نیست");
    }

    #[test]
    fn email_length_limit() {
        let domain = "example.com";
        let ok_local = "a".repeat(64);
        assert!(email("email", &format!("{ok_local}@{domain}")).is_ok());
        assert!(email("email", &format!("{}@{domain}", "a".repeat(65))).is_err());
        let long_domain = format!("{}.com", "d".repeat(250));
        assert!(email("email", &format!("a@{long_domain}")).is_err());
        let exact = format!("a@{}.com", "d".repeat(EMAIL_MAX_CHARS - 6));
        assert_eq!(exact.chars().count(), EMAIL_MAX_CHARS);
        assert!(email("email", &exact).is_ok());
    }

    // ---- birth_certificate_number ----

    #[test]
    fn birth_certificate_number_cases() {
        assert_eq!(birth_certificate_number("bc", "1").unwrap(), "1");
        assert_eq!(birth_certificate_number("bc", "۱۲۳۴").unwrap(), "1234");
        assert_eq!(
            birth_certificate_number("bc", " 0012345678 ").unwrap(),
            "0012345678"
        );
        assert!(birth_certificate_number("bc", "").is_err());
        assert!(birth_certificate_number("bc", "  ").is_err());
        assert!(birth_certificate_number("bc", "12345678901").is_err());
        assert!(birth_certificate_number("bc", "12ب4").is_err());
    }

    // ---- password_policy ----

    #[test]
    fn password_policy_valid() {
        assert!(password_policy("password", "abcdefg1").is_ok());
        assert!(password_policy("password", "رمزعبور۱۲").is_ok());
        assert!(password_policy("password", "Pass word 123!").is_ok());
        assert!(password_policy("password", &format!("a1{}", "x".repeat(126))).is_ok());
    }

    #[test]
    fn password_policy_invalid() {
        let e = password_policy("password", "abc1").unwrap_err();
        assert_eq!(e.field, "password");
        assert_eq!(
            e.message_fa,
            "رمز عبور باید دست‌کم ۸ نویسه و شامل حرف و رقم باشد"
        );
        assert!(e.message_fa.contains('\u{200C}'));
        assert!(password_policy("password", "abcdefgh").is_err()); // no digit
        assert!(password_policy("password", "12345678").is_err()); // no letter
        assert!(password_policy("password", "۱۲۳۴۵۶۷۸").is_err()); // no letter
        assert!(password_policy("password", "").is_err());
        assert!(password_policy("password", &format!("a1{}", "x".repeat(127))).is_err());
    }

    #[test]
    fn password_policy_same_character_refused() {
        // ordinary repeated letters fail the letter-and-digit rule first
        let e = password_policy("password", "aaaaaaaa").unwrap_err();
        assert_eq!(e.field, "password");
        // a character that is both a letter and a number (Roman numeral
        // twelve) reaches the repeated-character rule
        let e = password_policy("password", &"\u{216B}".repeat(8)).unwrap_err();
        assert_eq!(e.message, "password must not repeat a single character");
        assert_eq!(e.message_fa, "رمز عبور نباید فقط یک نویسه تکراری باشد");
        // counted in characters, not bytes: 7 Persian chars is too short
        assert!(password_policy("password", "رمزعبو۱").is_err());
    }

    // ---- misc ----

    #[test]
    fn field_error_describe_and_helpers() {
        let e = FieldError::new("f", "bad", "بد");
        assert_eq!(e.describe(), "f: bad");
        assert_eq!(persian_number(128), "۱۲۸");
        assert!(all_same(&[1, 1, 1]));
        assert!(!all_same(&[1, 2, 1]));
    }
}
