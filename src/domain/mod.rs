//! Domain layer: roles, rules, validation and state machines. No I/O here.

pub mod jalali;
pub mod normalize;
pub mod officer;
pub mod qualification;

use async_graphql::Enum;

/// The four roles of the system.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// A technical officer (مسئول فنی).
    Officer,
    /// A distributor's account (company or guild).
    Distributor,
    /// A reviewer (کارشناس) of one university of medical sciences.
    UniversityReviewer,
    /// Staff of the Medical Equipment General Directorate.
    DirectorateAdmin,
}

impl Role {
    /// The name stored in the database and sent on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Officer => "OFFICER",
            Self::Distributor => "DISTRIBUTOR",
            Self::UniversityReviewer => "UNIVERSITY_REVIEWER",
            Self::DirectorateAdmin => "DIRECTORATE_ADMIN",
        }
    }

    /// Parses a stored role name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "OFFICER" => Self::Officer,
            "DISTRIBUTOR" => Self::Distributor,
            "UNIVERSITY_REVIEWER" => Self::UniversityReviewer,
            "DIRECTORATE_ADMIN" => Self::DirectorateAdmin,
            _ => return None,
        })
    }

    /// The Persian name of the role, for messages.
    pub fn name_fa(self) -> &'static str {
        match self {
            Self::Officer => "مسئول فنی",
            Self::Distributor => "توزیع‌کننده",
            Self::UniversityReviewer => "کارشناس دانشگاه",
            Self::DirectorateAdmin => "اداره کل",
        }
    }
}

/// Kind of distributor: a company or a guild (شرکت / صنف).
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum DistributorKind {
    /// شرکت
    Company,
    /// صنف
    Guild,
}

impl DistributorKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Company => "COMPANY",
            Self::Guild => "GUILD",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "COMPANY" => Some(Self::Company),
            "GUILD" => Some(Self::Guild),
            _ => None,
        }
    }
}

/// Rules for a user code: 3 to 64 ASCII letters, digits, `.`, `_` or `-` (after folding
/// Persian digits).
pub fn user_code(field: &str, raw: &str) -> Result<String, normalize::FieldError> {
    let code = normalize::fold_digits(raw.trim());
    let ok = (3..=64).contains(&code.len())
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(code)
    } else {
        Err(normalize::FieldError::new(
            field,
            "user code must be 3 to 64 letters, digits, '.', '_' or '-'",
            "کد کاربری باید ۳ تا ۶۴ نویسه از حروف لاتین، رقم، نقطه، زیرخط یا خط تیره باشد",
        ))
    }
}
