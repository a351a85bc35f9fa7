//! Matching the Persian place and field names of the export against our reference data.
//!
//! The old system was typed by hand, on Arabic and Persian keyboards: "خرم آباد",
//! "خرم‌آباد" (with a zero-width non-joiner) and "خرمآباد" are one city, "كرمان" (Arabic
//! kaf) is "کرمان". Names are compared by their [`fold_key`]. The reference rows are read
//! from the database by the caller and handed to [`NameIndex`], [`CityIndex`] and
//! [`ReferenceData`].

use std::collections::HashMap;

use crate::domain::normalize;

use super::rows::{LegacyDistributor, LegacyOfficer, Refusal, RefusalCode};

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

/// Where an officer lives and what they studied, as reference ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OfficerPlaces {
    /// `provinces.id`, when the export names a province.
    pub province_id: Option<i32>,
    /// `cities.id`, when the export names a city.
    pub city_id: Option<i32>,
    /// `fields_of_study.id`, when the export names a field.
    pub field_of_study_id: Option<i32>,
}

/// Where a distributor's central branch is, as reference ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BranchPlace {
    /// `provinces.id`.
    pub province_id: i32,
    /// `cities.id`.
    pub city_id: i32,
}

/// The reference data the import resolves names against.
#[derive(Debug, Clone, Default)]
pub struct ReferenceData {
    /// Provinces by name.
    pub provinces: NameIndex,
    /// Cities by province and name.
    pub cities: CityIndex,
    /// Fields of study by name.
    pub fields_of_study: NameIndex,
}

/// Which kind of name a look-up is for (column and messages).
#[derive(Clone, Copy)]
enum Kind {
    Province,
    City,
    Field,
}

impl Kind {
    fn column(self) -> &'static str {
        match self {
            Self::Province => "province_fa",
            Self::City => "city_fa",
            Self::Field => "field_of_study_fa",
        }
    }

    fn unknown_code(self) -> RefusalCode {
        match self {
            Self::Province => RefusalCode::UnknownProvince,
            Self::City => RefusalCode::UnknownCity,
            Self::Field => RefusalCode::UnknownFieldOfStudy,
        }
    }

    fn names(self) -> (&'static str, &'static str) {
        match self {
            Self::Province => ("province", "استان"),
            Self::City => ("city", "شهر"),
            Self::Field => ("field of study", "رشتهٔ تحصیلی"),
        }
    }
}

impl ReferenceData {
    /// Reference data from `(id, name_fa)` provinces, `(id, province_id, name_fa)` cities and
    /// `(id, name_fa)` fields of study.
    pub fn new<P, C, F>(
        provinces: impl IntoIterator<Item = (i32, P)>,
        cities: impl IntoIterator<Item = (i32, i32, C)>,
        fields_of_study: impl IntoIterator<Item = (i32, F)>,
    ) -> Self
    where
        P: AsRef<str>,
        C: AsRef<str>,
        F: AsRef<str>,
    {
        Self {
            provinces: NameIndex::new(provinces),
            cities: CityIndex::new(cities),
            fields_of_study: NameIndex::new(fields_of_study),
        }
    }

    /// The ids of an officer's province, city and field of study. A city needs its province;
    /// an unknown or ambiguous name refuses the row.
    pub fn resolve_officer(&self, o: &LegacyOfficer) -> Result<OfficerPlaces, Refusal> {
        let refuse = |code, field, message: String, message_fa: String| Refusal {
            file: super::reader::LegacyFile::Officers,
            line: o.line,
            reason_code: code,
            field: Some(field),
            message,
            message_fa,
        };
        let province_id = match &o.province_fa {
            Some(name) => Some(answer(
                self.provinces.resolve(name),
                Kind::Province,
                name,
                refuse,
            )?),
            None => None,
        };
        let city_id = match (&o.city_fa, province_id) {
            (Some(name), Some(p)) => Some(answer(
                self.cities.resolve(p, name),
                Kind::City,
                name,
                refuse,
            )?),
            (Some(_), None) => {
                return Err(refuse(
                    RefusalCode::MissingField,
                    "province_fa",
                    "a city needs its province".to_owned(),
                    "برای شهر، استان آن هم لازم است".to_owned(),
                ));
            }
            (None, _) => None,
        };
        let field_of_study_id = match &o.field_of_study_fa {
            Some(name) => Some(answer(
                self.fields_of_study.resolve(name),
                Kind::Field,
                name,
                refuse,
            )?),
            None => None,
        };
        Ok(OfficerPlaces {
            province_id,
            city_id,
            field_of_study_id,
        })
    }

    /// The ids of the province and city of a distributor's central branch.
    pub fn resolve_distributor(&self, d: &LegacyDistributor) -> Result<BranchPlace, Refusal> {
        let refuse = |code, field, message: String, message_fa: String| Refusal {
            file: super::reader::LegacyFile::Distributors,
            line: d.line,
            reason_code: code,
            field: Some(field),
            message,
            message_fa,
        };
        let province_id = answer(
            self.provinces.resolve(&d.province_fa),
            Kind::Province,
            &d.province_fa,
            refuse,
        )?;
        let city_id = answer(
            self.cities.resolve(province_id, &d.city_fa),
            Kind::City,
            &d.city_fa,
            refuse,
        )?;
        Ok(BranchPlace {
            province_id,
            city_id,
        })
    }
}

/// The id of a resolution, or the refusal of the row.
fn answer(
    resolution: Resolution,
    kind: Kind,
    name: &str,
    refuse: impl Fn(RefusalCode, &'static str, String, String) -> Refusal,
) -> Result<i32, Refusal> {
    let (en, fa) = kind.names();
    match resolution {
        Resolution::Found(id) => Ok(id),
        Resolution::Unknown => Err(refuse(
            kind.unknown_code(),
            kind.column(),
            format!("unknown {en} «{name}»"),
            format!("{fa} «{name}» شناخته نشد"),
        )),
        Resolution::Ambiguous(ids) => Err(refuse(
            RefusalCode::AmbiguousName,
            kind.column(),
            format!("the {en} «{name}» matches several rows ({ids:?})"),
            format!("{fa} «{name}» با بیش از یک ردیف جور درمی‌آید"),
        )),
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

    // A few rows of migrations/2026-11-25-000002_reference_seed/up.sql.
    fn reference() -> ReferenceData {
        ReferenceData::new(
            [
                (13, "کرمان"),
                (14, "کرمانشاه"),
                (18, "لرستان"),
                (28, "تهران"),
                (5, "آذربایجان شرقی"),
            ],
            [
                (1301, 13, "کرمان"),
                (1401, 14, "کرمانشاه"),
                (1801, 18, "خرم‌آباد"),
                (1808, 18, "پلدختر"),
                (2801, 28, "تهران"),
                (2808, 28, "رباط کریم"),
                (501, 5, "تبریز"),
            ],
            [
                (1, "مهندسی پزشکی"),
                (2, "مهندسی پزشکی (بیوالکتریک)"),
                (14, "تکنولوژی پزشکی هسته‌ای"),
            ],
        )
    }

    #[test]
    fn legacy_name_index_resolves() {
        let r = reference();
        assert_eq!(r.provinces.resolve("تهران"), Resolution::Found(28));
        assert_eq!(r.provinces.resolve("آذربايجان‌شرقي"), Resolution::Found(5));
        assert_eq!(r.provinces.resolve("كرمانشاه"), Resolution::Found(14));
        assert_eq!(r.provinces.resolve("اصفهان"), Resolution::Unknown);
        assert_eq!(r.provinces.resolve(""), Resolution::Unknown);
        assert_eq!(r.cities.resolve(18, "خرم آباد"), Resolution::Found(1801));
        assert_eq!(r.cities.resolve(18, "خرمآباد"), Resolution::Found(1801));
        assert_eq!(r.cities.resolve(28, "رباط‌كريم"), Resolution::Found(2808));
        // cities are looked up within their province
        assert_eq!(r.cities.resolve(28, "خرم‌آباد"), Resolution::Unknown);
        assert_eq!(
            r.fields_of_study.resolve("مهندسي پزشكي"),
            Resolution::Found(1)
        );
        assert_eq!(
            r.fields_of_study.resolve("مهندسی پزشکی بیوالکتریک"),
            Resolution::Found(2)
        );
        assert_eq!(
            r.fields_of_study.resolve("تکنولوژی پزشکی هسته ای"),
            Resolution::Found(14)
        );
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
