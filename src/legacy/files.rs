//! The three files of the export, their columns, and the refusal of one row.

use std::fmt;

/// Columns of `officers.csv`, in the order DESIGN §3.1 lists them.
pub const OFFICER_COLUMNS: [&str; 20] = [
    "user_code",
    "national_code",
    "first_name",
    "last_name",
    "father_name",
    "gender",
    "birth_date",
    "mobile",
    "phone",
    "email",
    "postal_address",
    "province_fa",
    "city_fa",
    "field_of_study_fa",
    "degree_level",
    "password_format",
    "password_hash",
    "password_salt",
    "qualified",
    "qualified_at_jalali",
];

/// Columns of `distributors.csv`, in the order DESIGN §3.1 lists them.
pub const DISTRIBUTOR_COLUMNS: [&str; 12] = [
    "legacy_id",
    "name",
    "kind",
    "national_id",
    "manager_mobile",
    "province_fa",
    "city_fa",
    "address",
    "user_code",
    "password_format",
    "password_hash",
    "password_salt",
];

/// Columns of `assignments.csv`, in the order DESIGN §3.1 lists them.
pub const ASSIGNMENT_COLUMNS: [&str; 3] = [
    "officer_national_code",
    "distributor_legacy_id",
    "started_at_jalali",
];

/// One of the three files of the export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LegacyFile {
    /// `officers.csv`.
    Officers,
    /// `distributors.csv`.
    Distributors,
    /// `assignments.csv`.
    Assignments,
}

impl LegacyFile {
    /// The three files, in the order they are imported.
    pub const ALL: [Self; 3] = [Self::Officers, Self::Distributors, Self::Assignments];

    /// The file's name in the export folder.
    pub fn file_name(self) -> &'static str {
        match self {
            Self::Officers => "officers.csv",
            Self::Distributors => "distributors.csv",
            Self::Assignments => "assignments.csv",
        }
    }

    /// The columns the file must have.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            Self::Officers => &OFFICER_COLUMNS,
            Self::Distributors => &DISTRIBUTOR_COLUMNS,
            Self::Assignments => &ASSIGNMENT_COLUMNS,
        }
    }
}

impl fmt::Display for LegacyFile {
    /// The file's name.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.file_name())
    }
}

/// Why a row was refused: a stable machine code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RefusalCode {
    /// A field is not valid UTF-8.
    InvalidUtf8,
    /// The row has more or fewer fields than the header.
    WrongFieldCount,
    /// A required field is empty.
    MissingField,
    /// The user code breaks the user-code rules.
    InvalidUserCode,
    /// The national code (کد ملی) is malformed or its check digit is wrong.
    InvalidNationalCode,
    /// The company national ID (شناسه ملی) is malformed or its check digit is wrong.
    InvalidNationalId,
    /// A person's name has characters other than letters.
    InvalidName,
    /// A text is too long or has control characters.
    InvalidText,
    /// The mobile number is not an Iranian mobile.
    InvalidMobile,
    /// The landline number is not 8 to 11 digits.
    InvalidPhone,
    /// The e-mail address is not valid.
    InvalidEmail,
    /// The gender is not `M`, `F` or empty.
    InvalidGender,
    /// A date is malformed or does not exist in the Jalali calendar.
    InvalidDate,
    /// The birth date is in the future, under 18 years or over 100 years ago.
    InvalidBirthDate,
    /// The degree level is none of the four.
    InvalidDegreeLevel,
    /// A yes/no field (`qualified`) is not `1` or `0`.
    InvalidFlag,
    /// The distributor kind is neither شرکت nor صنف.
    UnknownDistributorKind,
    /// The password format is none of the three ASP.NET formats.
    UnknownPasswordFormat,
    /// The password hash or salt does not have the shape of its format.
    InvalidPasswordHash,
    /// The legacy distributor id is too long or has control characters.
    InvalidLegacyId,
    /// The province is not in the reference data.
    UnknownProvince,
    /// The city is not in the reference data of its province.
    UnknownCity,
    /// The field of study is not in the reference data.
    UnknownFieldOfStudy,
    /// A name matches several reference rows.
    AmbiguousName,
    /// The user code is taken by an earlier row (of either account file).
    DuplicateUserCode,
    /// The national code is taken by an earlier officer row.
    DuplicateNationalCode,
    /// The company national ID is taken by an earlier distributor row.
    DuplicateNationalId,
    /// The legacy distributor id is taken by an earlier distributor row.
    DuplicateLegacyId,
    /// The officer already has an assignment on an earlier row.
    DuplicateAssignment,
    /// The assignment names no imported officer.
    UnknownOfficer,
    /// The assignment names no imported distributor.
    UnknownDistributor,
    /// The distributor's central branch has an active officer already (an earlier row, or a
    /// contract in the registry): a branch has one technical officer.
    BranchTaken,
    /// The officer holds the most active contracts the one-unit rule allows
    /// (`MAX_ACTIVE_CONTRACTS_PER_OFFICER`) in the registry already.
    OneUnitRule,
    /// The user code belongs to another account of the registry.
    UserCodeTaken,
    /// An officer who registered in the new system has this national code.
    NationalCodeTaken,
}

impl RefusalCode {
    /// Every code.
    pub const ALL: [Self; 35] = [
        Self::InvalidUtf8,
        Self::WrongFieldCount,
        Self::MissingField,
        Self::InvalidUserCode,
        Self::InvalidNationalCode,
        Self::InvalidNationalId,
        Self::InvalidName,
        Self::InvalidText,
        Self::InvalidMobile,
        Self::InvalidPhone,
        Self::InvalidEmail,
        Self::InvalidGender,
        Self::InvalidDate,
        Self::InvalidBirthDate,
        Self::InvalidDegreeLevel,
        Self::InvalidFlag,
        Self::UnknownDistributorKind,
        Self::UnknownPasswordFormat,
        Self::InvalidPasswordHash,
        Self::InvalidLegacyId,
        Self::UnknownProvince,
        Self::UnknownCity,
        Self::UnknownFieldOfStudy,
        Self::AmbiguousName,
        Self::DuplicateUserCode,
        Self::DuplicateNationalCode,
        Self::DuplicateNationalId,
        Self::DuplicateLegacyId,
        Self::DuplicateAssignment,
        Self::UnknownOfficer,
        Self::UnknownDistributor,
        Self::BranchTaken,
        Self::OneUnitRule,
        Self::UserCodeTaken,
        Self::NationalCodeTaken,
    ];

    /// The stable code, e.g. `INVALID_NATIONAL_CODE`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidUtf8 => "INVALID_UTF8",
            Self::WrongFieldCount => "WRONG_FIELD_COUNT",
            Self::MissingField => "MISSING_FIELD",
            Self::InvalidUserCode => "INVALID_USER_CODE",
            Self::InvalidNationalCode => "INVALID_NATIONAL_CODE",
            Self::InvalidNationalId => "INVALID_NATIONAL_ID",
            Self::InvalidName => "INVALID_NAME",
            Self::InvalidText => "INVALID_TEXT",
            Self::InvalidMobile => "INVALID_MOBILE",
            Self::InvalidPhone => "INVALID_PHONE",
            Self::InvalidEmail => "INVALID_EMAIL",
            Self::InvalidGender => "INVALID_GENDER",
            Self::InvalidDate => "INVALID_DATE",
            Self::InvalidBirthDate => "INVALID_BIRTH_DATE",
            Self::InvalidDegreeLevel => "INVALID_DEGREE_LEVEL",
            Self::InvalidFlag => "INVALID_FLAG",
            Self::UnknownDistributorKind => "UNKNOWN_DISTRIBUTOR_KIND",
            Self::UnknownPasswordFormat => "UNKNOWN_PASSWORD_FORMAT",
            Self::InvalidPasswordHash => "INVALID_PASSWORD_HASH",
            Self::InvalidLegacyId => "INVALID_LEGACY_ID",
            Self::UnknownProvince => "UNKNOWN_PROVINCE",
            Self::UnknownCity => "UNKNOWN_CITY",
            Self::UnknownFieldOfStudy => "UNKNOWN_FIELD_OF_STUDY",
            Self::AmbiguousName => "AMBIGUOUS_NAME",
            Self::DuplicateUserCode => "DUPLICATE_USER_CODE",
            Self::DuplicateNationalCode => "DUPLICATE_NATIONAL_CODE",
            Self::DuplicateNationalId => "DUPLICATE_NATIONAL_ID",
            Self::DuplicateLegacyId => "DUPLICATE_LEGACY_ID",
            Self::DuplicateAssignment => "DUPLICATE_ASSIGNMENT",
            Self::UnknownOfficer => "UNKNOWN_OFFICER",
            Self::UnknownDistributor => "UNKNOWN_DISTRIBUTOR",
            Self::BranchTaken => "BRANCH_TAKEN",
            Self::OneUnitRule => "ONE_UNIT_RULE",
            Self::UserCodeTaken => "USER_CODE_TAKEN",
            Self::NationalCodeTaken => "NATIONAL_CODE_TAKEN",
        }
    }
}

/// A refused row: where, a stable code, which column, and why in English and Persian.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The file.
    pub file: LegacyFile,
    /// The physical line where the row starts (the header is line 1).
    pub line: u64,
    /// The stable reason code.
    pub reason_code: RefusalCode,
    /// The column at fault, when there is one.
    pub field: Option<&'static str>,
    /// Why, in English.
    pub message: String,
    /// Why, in Persian.
    pub message_fa: String,
}

impl Refusal {
    /// `officers.csv:12: INVALID_NATIONAL_CODE (national_code) national code check digit is
    /// wrong`, for the command's report.
    pub fn describe(&self) -> String {
        let field = self.field.map(|f| format!(" ({f})")).unwrap_or_default();
        format!(
            "{}:{}: {}{field} {}",
            self.file,
            self.line,
            self.reason_code.as_str(),
            self.message
        )
    }
}
