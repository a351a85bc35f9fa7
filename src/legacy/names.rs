//! Matching the Persian place and field names of the export against our reference data.
//!
//! The old system was typed by hand, on Arabic and Persian keyboards: "خرم آباد",
//! "خرم‌آباد" (with a zero-width non-joiner) and "خرمآباد" are one city, "كرمان" (Arabic
//! kaf) is "کرمان". Names are compared by their [`fold_key`]. The reference rows are read
//! from the database by the caller and handed to [`NameIndex`], [`CityIndex`] and
//! [`ReferenceData`].

use std::collections::HashMap;

use crate::domain::normalize;

/// The key two spellings of one name share.
///
/// Folds Persian and Arabic-Indic digits to ASCII and the Arabic letters ي ى ك to the
/// Persian ی ک (as [`normalize::fold_letters`]); drops the zero-width non-joiner and joiner,
/// bidi marks, the byte-order mark, tatweel (ـ), diacritics (harakat U+064B..U+065F and the
/// superscript alef U+0670), whitespace and punctuation; folds the hamza and madda forms of
/// alef (أ إ ٱ آ → ا), ة and ۀ → ه, ؤ → و, ئ → ی (the same as dropping the combining hamza or
/// madda they are made of); lower-cases Latin letters.
pub fn fold_key(s: &str) -> String {
    let folded = normalize::fold_letters(&normalize::fold_digits(s));
    folded
        .chars()
        .filter_map(|c| match c {
            '\u{200C}'..='\u{200F}' | '\u{FEFF}' | '\u{0640}' => None,
            '\u{064B}'..='\u{065F}' | '\u{0670}' => None,
            c if c.is_whitespace() || c.is_ascii_punctuation() => None,
            '،' | '؛' | '؟' | '«' | '»' | '٫' | '٬' | '–' | '—' => None,
            'أ' | 'إ' | 'ٱ' | 'آ' => Some('ا'),
            'ة' | 'ۀ' => Some('ه'),
            'ؤ' => Some('و'),
            'ئ' => Some('ی'),
            c => Some(c),
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// The answer of a name look-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// Exactly one row has this name.
    Found(i32),
    /// No row has this name.
    Unknown,
    /// Several rows have this name (their ids, ascending).
    Ambiguous(Vec<i32>),
}

impl Resolution {
    /// The answer for the ids that share a key.
    fn of(ids: Option<&Vec<i32>>) -> Self {
        match ids.map(Vec::as_slice) {
            None | Some([]) => Self::Unknown,
            Some([id]) => Self::Found(*id),
            Some(many) => Self::Ambiguous(many.to_vec()),
        }
    }
}

/// Adds `id` under `key` once, keeping the ids ascending.
fn insert(ids: &mut Vec<i32>, id: i32) {
    if let Err(at) = ids.binary_search(&id) {
        ids.insert(at, id);
    }
}

/// Names of reference rows (provinces, fields of study), looked up by [`fold_key`].
#[derive(Debug, Clone, Default)]
pub struct NameIndex {
    /// Ids by key.
    by_key: HashMap<String, Vec<i32>>,
}

impl NameIndex {
    /// An index of `(id, name_fa)` rows.
    pub fn new<S: AsRef<str>>(rows: impl IntoIterator<Item = (i32, S)>) -> Self {
        let mut index = Self::default();
        for (id, name) in rows {
            index.add(id, name.as_ref());
        }
        index
    }

    /// Adds a name (or another spelling of a name) of the row `id`.
    pub fn add(&mut self, id: i32, name: &str) {
        let key = fold_key(name);
        if !key.is_empty() {
            insert(self.by_key.entry(key).or_default(), id);
        }
    }

    /// The row called `name`.
    pub fn resolve(&self, name: &str) -> Resolution {
        Resolution::of(self.by_key.get(&fold_key(name)))
    }
}

/// City names, looked up within their province by [`fold_key`].
#[derive(Debug, Clone, Default)]
pub struct CityIndex {
    /// City ids by province id and key.
    by_key: HashMap<(i32, String), Vec<i32>>,
}

impl CityIndex {
    /// An index of `(id, province_id, name_fa)` rows.
    pub fn new<S: AsRef<str>>(rows: impl IntoIterator<Item = (i32, i32, S)>) -> Self {
        let mut index = Self::default();
        for (id, province_id, name) in rows {
            index.add(id, province_id, name.as_ref());
        }
        index
    }

    /// Adds a name (or another spelling of a name) of the city `id` of `province_id`.
    pub fn add(&mut self, id: i32, province_id: i32, name: &str) {
        let key = fold_key(name);
        if !key.is_empty() {
            insert(self.by_key.entry((province_id, key)).or_default(), id);
        }
    }

    /// The city called `name` in the province `province_id`.
    pub fn resolve(&self, province_id: i32, name: &str) -> Resolution {
        Resolution::of(self.by_key.get(&(province_id, fold_key(name))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_fold_key_spellings() {
        let k = fold_key("خرم‌آباد");
        assert_eq!(fold_key("خرم آباد"), k);
        assert_eq!(fold_key("خرمآباد"), k);
        assert_eq!(fold_key(" خرم  \u{200F}آباد "), k);
        assert_eq!(fold_key("خرم اباد"), k); // alef without madda
        assert_eq!(fold_key("خرم\u{0627}\u{0653}باد"), k); // decomposed madda
        assert_eq!(fold_key("كرمان"), fold_key("کرمان"));
        assert_eq!(fold_key("قزوين"), fold_key("قزوین"));
        assert_eq!(fold_key("مهندسي پزشكي"), fold_key("مهندسی‌پزشکی"));
        assert_eq!(fold_key("مهـــندسی"), fold_key("مهندسی"));
        assert_eq!(fold_key("مُهَنْدِسی"), fold_key("مهندسی"));
        assert_eq!(fold_key("منطقه ۲"), fold_key("منطقه2"));
        assert_eq!(
            fold_key("مهندسی پزشکی (بیوالکتریک)"),
            fold_key("مهندسی پزشکی - بیوالکتریک")
        );
        assert_eq!(fold_key("Tehran"), "tehran");
        assert_ne!(fold_key("کرمان"), fold_key("کرمانشاه"));
        assert_eq!(fold_key(" \u{200C} "), "");
    }

    #[test]
    fn legacy_name_index_ambiguous_and_aliases() {
        let mut index = NameIndex::new([(3, "ری"), (1, "ري"), (3, "ری")]);
        assert_eq!(index.resolve("ری"), Resolution::Ambiguous(vec![1, 3]));
        index.add(7, "شهر ری");
        assert_eq!(index.resolve("شهرری"), Resolution::Found(7));
        index.add(8, "  ");
        assert_eq!(index.resolve(""), Resolution::Unknown);
        let mut cities = CityIndex::new([(1, 1, "الف"), (2, 1, "اَلف")]);
        assert_eq!(cities.resolve(1, "الف"), Resolution::Ambiguous(vec![1, 2]));
        cities.add(3, 2, "الف");
        assert_eq!(cities.resolve(2, "الف"), Resolution::Found(3));
    }
}
