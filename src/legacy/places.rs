//! Resolving the Persian place and field names of rows to reference ids.

use super::files::{LegacyFile, Refusal, RefusalCode};
use super::names::{CityIndex, NameIndex, Resolution};
use super::rows::{LegacyDistributor, LegacyOfficer};

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
            file: LegacyFile::Officers,
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
            file: LegacyFile::Distributors,
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
}
